package main

import (
	"crypto/rand"
	"net/http"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/rolecred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
	"github.com/fc-oss-upload/fc-oss-upload/templates"
)

// APIPath is the route of the signature endpoint (the name Alibaba's published client calls).
const APIPath = "/get_post_signature_for_oss_upload"

// postResponse keeps the fields of Alibaba's published V4 form example (policy,
// x_oss_signature_version, x_oss_credential, x_oss_date, signature, security_token, host, dir)
// and adds the server-chosen key, the expiry, and every form field to send, by name.
type postResponse struct {
	Policy           string            `json:"policy"`
	SignatureVersion string            `json:"x_oss_signature_version"`
	Credential       string            `json:"x_oss_credential"`
	Date             string            `json:"x_oss_date"`
	Signature        string            `json:"signature"`
	SecurityToken    string            `json:"security_token"`
	Host             string            `json:"host"`
	Dir              string            `json:"dir"`
	Key              string            `json:"key,omitempty"`
	Expire           int64             `json:"expire"`
	Expiration       string            `json:"expiration"`
	MaxSize          int64             `json:"max_size"`
	Fields           map[string]string `json:"fields"`
}

type server struct {
	cfg   config.Config
	creds rolecred.Provider
	now   func() time.Time
	// signer keeps the V4 signing key of each credential for the day: one derivation per
	// credential instead of one per request.
	signer ossauth.Signer
}

func newHandler(cfg config.Config, creds rolecred.Provider, now func() time.Time) (http.Handler, error) {
	if now == nil {
		now = time.Now
	}
	s := &server{cfg: cfg, creds: creds, now: now}
	page, err := templates.Page(templates.PageData{Function: cfg.Function})
	if err != nil {
		return nil, err
	}
	return fcweb.NewFunction(cfg.Function, cfg.CORSOrigins, page, APIPath, http.HandlerFunc(s.sign)), nil
}

func (s *server) sign(w http.ResponseWriter, r *http.Request) {
	resp, err := s.policy(r)
	if err != nil {
		fcweb.WriteError(w, r, err)
		return
	}
	fcweb.WriteJSON(w, http.StatusOK, resp)
}

func (s *server) policy(r *http.Request) (*postResponse, error) {
	rules := s.cfg.Rules
	in, dir, err := fcweb.ReadUpload(r, rules, s.cfg.UserHeader)
	if err != nil {
		return nil, err
	}
	now := s.now()
	key := ""
	if in.Filename != "" {
		var id [16]byte
		rand.Read(id[:])
		key = upload.ObjectKey(dir, in, id, now)
	}
	plan, err := rules.Form(in, dir, key)
	if err != nil {
		return nil, err
	}
	conds, fields := formConditions(plan)

	creds, err := s.creds.Credentials(r.Context())
	if err != nil {
		return nil, upload.Unavailable("signing credentials", err)
	}
	exp := now.Add(rules.Expires)
	signed, err := s.signer.SignPostPolicyV4(creds, s.cfg.Bucket, s.cfg.Region, ossauth.Policy{Expiration: exp, Conditions: conds}, now)
	if err != nil {
		return nil, err
	}
	fields["policy"] = signed.Policy
	fields["x-oss-signature-version"] = signed.SignatureVersion
	fields["x-oss-credential"] = signed.Credential
	fields["x-oss-date"] = signed.Date
	fields["x-oss-signature"] = signed.Signature
	if signed.SecurityToken != "" {
		fields["x-oss-security-token"] = signed.SecurityToken
	}
	return &postResponse{
		Policy:           signed.Policy,
		SignatureVersion: signed.SignatureVersion,
		Credential:       signed.Credential,
		Date:             signed.Date,
		Signature:        signed.Signature,
		SecurityToken:    signed.SecurityToken,
		Host:             s.cfg.Endpoint.BucketURL(s.cfg.Bucket),
		Dir:              dir,
		Key:              key,
		Expire:           exp.Unix(),
		Expiration:       exp.UTC().Format(time.RFC3339),
		MaxSize:          plan.MaxSize,
		Fields:           fields,
	}, nil
}

// formConditions renders a plan as policy conditions and the form fields that satisfy them.
//
// OSS stores form fields the policy does not mention (PostObject, "Appendix: Policy": the policy
// only checks the conditions it lists) and takes the object's type from x-oss-content-type before
// the Content-Type field (PostObject, "x-oss-content-type"), so every field that changes what is
// stored or how it is served is bound here, present or not: a condition on an absent field is
// checked against an empty value.
func formConditions(p upload.FormPlan) ([]ossauth.Condition, map[string]string) {
	fields := map[string]string{"success_action_status": upload.SuccessActionStatus}
	conds := make([]ossauth.Condition, 0, 10)
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
		ossauth.Eq("success_action_status", upload.SuccessActionStatus),
		ossauth.Eq("success_action_redirect", ""))
	return conds, fields
}
