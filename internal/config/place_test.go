package config

import "testing"

func TestPlaceHolds(t *testing.T) {
	loire := PlaceOf("loire", "HTTPS://Support.Loire.example/")
	def := PlaceOf(DefaultProfile, "https://support.example")
	tests := []struct {
		here Place
		kept Place
		want bool
	}{
		{loire, Place{Profile: "loire", Server: "https://support.loire.example"}, true},
		{loire, Place{Profile: "loire", Server: "https://other.example"}, false}, // the profile's server changed
		{loire, Place{Profile: "ain", Server: "https://support.loire.example"}, false},
		{loire, Place{}, false}, // kept before places: the default profile's
		{def, Place{}, true},
		{def, Place{Server: "https://whatever.example"}, true},
		{PlaceOf(DefaultProfile, ""), Place{Profile: DefaultProfile}, true}, // the embedded server
		{PlaceOf(DefaultProfile, ""), Place{Profile: DefaultProfile, Server: "https://x.example"}, false},
	}
	for _, tt := range tests {
		if got := tt.here.Holds(tt.kept); got != tt.want {
			t.Errorf("%+v holds %+v = %v, want %v", tt.here, tt.kept, got, tt.want)
		}
	}
}
