package upload

import (
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
)

// successActionStatus is the PostObject success_action_status every POST policy pins: an empty 200
// answer (what the demo page and Alibaba's published form code expect).
const successActionStatus = "200"

// PostPolicy renders g as a V4 POST policy for region: its conditions, and the form fields that
// satisfy them (ossauth.PostPolicyV4.Fields returns them with the signature's).
//
// OSS stores form fields the policy does not mention (PostObject, "Appendix: Policy": the policy
// only checks the conditions it lists) and takes the object's type from x-oss-content-type before
// the Content-Type field (PostObject, "x-oss-content-type"), so every field that changes what is
// stored or how it is served is bound here, present or not: a condition on an absent field is
// checked against an empty value.
func (g Grant) PostPolicy(region string) ossauth.PostPolicyV4Options {
	fields := map[string]string{"success_action_status": successActionStatus}
	conds := make([]ossauth.Condition, 0, 13)
	if g.Key != "" {
		conds = append(conds, ossauth.Eq("key", g.Key))
		fields["key"] = g.Key
	} else {
		conds = append(conds, ossauth.StartsWith("key", g.Prefix))
	}
	conds = append(conds, ossauth.ContentLengthRange(max(g.Size, 0), g.MaxSize))
	switch {
	case g.ContentType != "":
		conds = append(conds, ossauth.Eq("content-type", g.ContentType), ossauth.Eq("x-oss-content-type", g.ContentType))
		fields["Content-Type"] = g.ContentType
		fields["x-oss-content-type"] = g.ContentType
	case len(g.Types) > 0:
		conds = append(conds, ossauth.In("content-type", g.Types...), ossauth.In("x-oss-content-type", g.Types...))
	}
	// Content-Encoding would make browsers decode the bytes before using the bound type;
	// x-oss-object-acl would make the object readable (or writable) by anyone; x-oss-storage-class
	// could put it in an archive class (unreadable until restored, billed for a minimum duration).
	conds = append(conds, ossauth.Eq("content-disposition", g.Disposition), ossauth.Eq("content-encoding", ""),
		ossauth.Eq("x-oss-object-acl", ""), ossauth.Eq("x-oss-storage-class", ""))
	if g.Disposition != "" {
		fields["Content-Disposition"] = g.Disposition
	}
	if g.ForbidOverwrite {
		conds = append(conds, ossauth.Eq("x-oss-forbid-overwrite", "true"))
		fields["x-oss-forbid-overwrite"] = "true"
	}
	conds = append(conds,
		ossauth.Eq("success_action_status", successActionStatus),
		ossauth.Eq("success_action_redirect", ""))
	// The callback field is bound to this function's callback, or to nothing: OSS takes every form
	// field, named in the policy or not (PostObject reference), so a client could otherwise add a
	// callback and have OSS post a signed call wherever it likes. The custom variables are plain
	// fields: the callback function trusts the key, not them, for the user.
	cb := ""
	if g.CallbackURL != "" {
		cb = osscallback.Param(g.CallbackURL)
		fields["callback"] = cb
		fields[osscallback.VarUser], fields[osscallback.VarFilename] = g.User, g.Filename
	}
	conds = append(conds, ossauth.Eq("callback", cb))
	return ossauth.PostPolicyV4Options{Bucket: g.Bucket, Region: region, Expiration: g.Expires, Conditions: conds, Fields: fields}
}
