// Package templates holds the demo page each function serves at GET /, embedded in the binaries.
//
// One page adapts to the function serving it: sts uploads with ali-oss and temporary credentials
// (multipart above a threshold, credentials refreshed before they expire), postsignature posts a
// V4 form with the returned fields, presignedurl PUTs with exactly the returned headers. Every page
// shows per-file progress, speed, the object key, and errors from the function (JSON) and from OSS
// (XML) with advice on what to do. The page is self-contained: inline CSS and JS, no framework; the
// sts page loads the ali-oss browser build from PageData.AliOSSURL, which is never embedded.
//
// The sts page reads optional query parameters: multipartThreshold (bytes; files of at least this
// size go in parts, default 5 MiB), partSize (bytes, at least 100 KiB, default 1 MiB) and
// stsRefreshMs (refresh the credentials this often instead of a minute before they expire; for
// tests).
package templates
