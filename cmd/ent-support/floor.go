//go:build startupfloor

package main

import "os"

// Built only with -tags startupfloor, by the start-up benchmarks: the
// program ends as soon as every package it links is initialised, before
// main runs. Its time is the floor under every command of this binary
// (the runtime starting a large program, and the libraries' own package
// initialisation), which no work in our commands can go under.
func init() { os.Exit(0) }
