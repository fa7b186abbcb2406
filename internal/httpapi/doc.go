// Package httpapi is both ends of the ent-support wire: the reference REST
// server's net/http handler (NewHandler, every route in one table with its
// auth rule) and the Client that speaks to such a server and implements
// support.TicketService and support.AdminService, so that commands do not
// care whether the server is remote or embedded.
//
// Errors travel as RFC 9457 problem+json. One table (codeStatus) maps
// support error codes to HTTP statuses, and it is read in both directions:
// the server picks a status from an error, the client rebuilds the error
// from the status and body, so that an error means the same on both sides.
// openapi.json, embedded and served at /api/v1/openapi.json, describes the
// routes; a test keeps it and the route table in step.
package httpapi
