// Package support is the domain of ent-support: tickets, the people who file
// and handle them, establishments, the field rules of the support procedure,
// the error type every layer speaks, and the interfaces the outer layers
// implement (Store, TicketService, AdminService).
//
// It imports nothing of ours and nothing outside the standard library, so
// that every other package can depend on it.
package support
