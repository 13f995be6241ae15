package upload

import (
	"time"
)

// How is how an upload reaches OSS; it decides what a grant can bind.
type How int

const (
	// Form is a browser form (PostObject) under a server-chosen key: its policy binds the key, a
	// size range and the type (or an allow-list when no type or file is named).
	Form How = iota
	// FormAnyKey is Form for a request that may name no file: then any key under the prefix is
	// granted, as Alibaba's published form code appends the file's own name to dir.
	FormAnyKey
	// Put is a presigned PUT URL: it signs the key, the type and, with a size limit, the exact size
	// (V4 presigning cannot bind a range).
	Put
	// Multipart is an upload the function initiates under a server-chosen key with its type and
	// its size, which the key carries (MultipartKey); the handler signs each part for its length.
	Multipart
)

// Ask is one request for an upload, as the edge read it: what the client asks, who asks (the user
// segment of its verified token, "" without per-user uploads) and the random bytes of its key.
type Ask struct {
	Intent
	User string
	ID   [16]byte
}

// Grant is everything one upload may be, decided once: the handlers only render it (as POST policy
// conditions, as signed PUT headers, as the headers of a multipart initiation).
type Grant struct {
	Bucket string
	// Prefix is where the caller may upload: Rules.Dir, or Dir + User + "/".
	Prefix string
	User   string
	// Key is the exact key; "" grants any key under Prefix (FormAnyKey without a file name).
	Key string
	// Filename is the client's file name, as given (the callback's x:filename; the key keeps only
	// its extension).
	Filename string
	// Size is the exact size in bytes, or -1 for any size up to MaxSize.
	Size, MaxSize int64
	// ContentType is the exact type stored; when empty, a form may send one of Types (any when
	// none), a PUT or multipart upload none (OSS then stores application/octet-stream).
	ContentType string
	Types       []string
	// Disposition is the Content-Disposition to bind ("attachment"), or "" for none.
	Disposition     string
	ForbidOverwrite bool
	// Now is when the grant is signed, Expires when it ends.
	Now, Expires time.Time
	// CallbackURL is where OSS posts the upload's callback; "" for none.
	CallbackURL string
}

// Grant decides what a checks out to under the rules at now, for an upload sent as how.
func (r Rules) Grant(how How, a Ask, now time.Time) (Grant, error) {
	if err := r.CheckIntent(a.Intent); err != nil {
		return Grant{}, err
	}
	g := Grant{
		Bucket: r.Bucket, Prefix: r.Prefix(a.User), User: a.User, Filename: a.Filename,
		Size: a.Size, MaxSize: r.sizeLimit(), ForbidOverwrite: r.ForbidOverwrite,
		Now: now, Expires: now.Add(r.Expires), CallbackURL: r.CallbackURL,
	}
	if a.Size >= 0 {
		g.MaxSize = a.Size
	}
	switch {
	case how == Multipart && a.Size < 0:
		return Grant{}, Errorf(CodeInvalidArgument, "name the file's size in bytes (size) to start a multipart upload")
	case how == Multipart && a.Size == 0:
		// An empty file needs no parts, and OSS's UploadPart page does not say a blank part is taken
		// (parts are 100 KB to 5 GB, the last one smaller: https://www.alibabacloud.com/help/en/doc-detail/31993.htm).
		return Grant{}, Errorf(CodeInvalidArgument, "an empty file needs no multipart upload; send it as a single upload")
	case how == Multipart:
		g.Key = MultipartKey(g.Prefix, a.Intent, a.ID, now, a.Size)
	case how != FormAnyKey || a.Filename != "":
		g.Key = ObjectKey(g.Prefix, a.Intent, a.ID, now)
	}
	if (how == Form || how == FormAnyKey) && a.ContentType == "" && a.Filename == "" {
		// Nothing named: a form may send any allowed type, and is a download unless all are inert.
		g.Types, g.Disposition = r.AllowedTypes, r.Disposition(r.AllowedTypes...)
		return g, nil
	}
	// A named file gets its type bound: the client's, else the one its extension implies.
	ct, err := r.ContentType(a.Intent)
	if err != nil {
		return Grant{}, err
	}
	if how == Put && r.MaxSize > 0 && a.Size < 0 {
		// An unsized URL would take any body up to OSS's 5 GiB.
		return Grant{}, Errorf(CodeInvalidArgument, "name the file's size in bytes (size); uploads are limited to %d bytes", r.MaxSize)
	}
	g.ContentType = ct
	stored := ct
	if stored == "" && how != Form && how != FormAnyKey {
		// No type signed means none may be sent: OSS then stores application/octet-stream. A form
		// without a type condition may send any.
		stored = "application/octet-stream"
	}
	g.Disposition = r.Disposition(stored)
	return g, nil
}

// Prefix returns where user may upload: Dir, or Dir + user + "/" for a user segment.
func (r Rules) Prefix(user string) string {
	if user == "" {
		return r.Dir
	}
	return r.Dir + user + "/"
}
