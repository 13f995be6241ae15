package upload

import "github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"

// FormConditions renders a plan as policy conditions and the form fields that satisfy them (for
// postsignature, and presignedurl's Uppy /s3/params).
//
// OSS stores form fields the policy does not mention (PostObject, "Appendix: Policy": the policy
// only checks the conditions it lists) and takes the object's type from x-oss-content-type before
// the Content-Type field (PostObject, "x-oss-content-type"), so every field that changes what is
// stored or how it is served is bound here, present or not: a condition on an absent field is
// checked against an empty value.
func FormConditions(p FormPlan) ([]ossauth.Condition, map[string]string) {
	fields := map[string]string{"success_action_status": SuccessActionStatus}
	conds := make([]ossauth.Condition, 0, 12)
	if p.Key != "" {
		conds = append(conds, ossauth.Eq("key", p.Key))
		fields["key"] = p.Key
	} else {
		conds = append(conds, ossauth.StartsWith("key", p.Prefix))
	}
	conds = append(conds, ossauth.ContentLengthRange(p.MinSize, p.MaxSize))
	switch {
	case p.ContentType != "":
		conds = append(conds, ossauth.Eq("content-type", p.ContentType), ossauth.Eq("x-oss-content-type", p.ContentType))
		fields["Content-Type"] = p.ContentType
		fields["x-oss-content-type"] = p.ContentType
	case len(p.Types) > 0:
		conds = append(conds, ossauth.In("content-type", p.Types...), ossauth.In("x-oss-content-type", p.Types...))
	}
	// Content-Encoding would make browsers decode the bytes before using the bound type;
	// x-oss-object-acl would make the object readable (or writable) by anyone; x-oss-storage-class
	// could put it in an archive class (unreadable until restored, billed for a minimum duration).
	conds = append(conds, ossauth.Eq("content-disposition", p.Disposition), ossauth.Eq("content-encoding", ""),
		ossauth.Eq("x-oss-object-acl", ""), ossauth.Eq("x-oss-storage-class", ""))
	if p.Disposition != "" {
		fields["Content-Disposition"] = p.Disposition
	}
	if p.ForbidOverwrite {
		conds = append(conds, ossauth.Eq("x-oss-forbid-overwrite", "true"))
		fields["x-oss-forbid-overwrite"] = "true"
	}
	conds = append(conds,
		ossauth.Eq("success_action_status", SuccessActionStatus),
		ossauth.Eq("success_action_redirect", ""))
	return conds, fields
}
