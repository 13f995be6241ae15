// Package upload holds the pure rules of what a client may upload: the object key under the
// configured prefix, the content type, the size, how long an authorization lives, and the one
// error model (Error with a stable Code) that every handler answers with.
//
// It does no I/O and reads no clock: randomness and time come in as arguments.
package upload
