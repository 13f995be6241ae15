package upload

// SuccessActionStatus is the PostObject success_action_status every POST policy pins: an empty 200
// answer (what the demo page and Alibaba's published form code expect).
const SuccessActionStatus = "200"

// FormPlan is everything a POST policy binds for one upload, as pure data: the postsignature
// handler renders it as policy conditions and form fields. What is signed is what OSS can store.
type FormPlan struct {
	// Key is the exact key when the client named a file; otherwise Prefix binds the key.
	Key, Prefix string
	// MinSize and MaxSize bound the file (content-length-range), in bytes.
	MinSize, MaxSize int64
	// ContentType is the exact stored type; when empty, Types (if any) lists the allowed ones.
	ContentType string
	Types       []string
	// Disposition is the Content-Disposition the form must send ("attachment"), or "" for none.
	Disposition string
	// ForbidOverwrite requires x-oss-forbid-overwrite: true.
	ForbidOverwrite bool
}

// Form plans the POST policy of in under dir; key is the server-chosen key, or "" when the client
// named no file (then any key under dir, as Alibaba's published form code builds dir + file name).
func (r Rules) Form(in Intent, dir, key string) (FormPlan, error) {
	p := FormPlan{Key: key, Prefix: dir, MaxSize: r.SizeLimit(), ForbidOverwrite: r.ForbidOverwrite}
	if in.Size >= 0 {
		p.MinSize, p.MaxSize = in.Size, in.Size
	}
	switch {
	case in.ContentType != "" || in.Filename != "":
		// A named file gets its type bound: the client's, else the one its extension implies.
		ct, err := r.ContentType(in)
		if err != nil {
			return FormPlan{}, err
		}
		p.ContentType = ct
		p.Disposition = r.Disposition(ct)
	default:
		p.Types = r.AllowedTypes
		p.Disposition = r.Disposition(r.AllowedTypes...)
	}
	return p, nil
}

// PutPlan is everything a presigned PUT URL signs for one upload: the presignedurl handler sends
// each as a header the client must repeat exactly.
type PutPlan struct {
	ContentType string // "" signs no type
	// Size is the exact Content-Length signed, or -1 when no limit applies (MaxSize 0).
	Size            int64
	Disposition     string // "attachment", or "" for none
	ForbidOverwrite bool
}

// Put plans the presigned PUT of in. With a size limit configured the client must name the size:
// V4 presigning cannot bind a range, only an exact Content-Length, so an unsized URL would take any
// body up to OSS's 5 GiB.
func (r Rules) Put(in Intent) (PutPlan, error) {
	ct, err := r.ContentType(in)
	if err != nil {
		return PutPlan{}, err
	}
	if r.MaxSize > 0 && in.Size < 0 {
		return PutPlan{}, Errorf(CodeInvalidArgument, "name the file's size in bytes (size); uploads are limited to %d bytes", r.MaxSize)
	}
	p := PutPlan{ContentType: ct, Size: in.Size, ForbidOverwrite: r.ForbidOverwrite}
	stored := ct
	if stored == "" {
		// No type signed means none may be sent: OSS then stores application/octet-stream.
		stored = "application/octet-stream"
	}
	p.Disposition = r.Disposition(stored)
	return p, nil
}
