package main

import (
	"crypto/rand"
	"maps"
	"net/http"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
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
	// Callback is the callback form field (with OSS_CALLBACK_URL), under the name Alibaba's
	// callback form example reads.
	Callback string `json:"callback,omitempty"`
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
	page, err := templates.Page(templates.PageData{Function: cfg.Function, SignIn: cfg.Auth != nil, TokenURL: cfg.DemoTokenURL})
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
	in, dir, err := fcweb.ReadUpload(r, rules, s.cfg.Auth)
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
	conds, fields := upload.FormConditions(plan)
	cbConds, cbFields := osscallback.FormConditions(s.cfg.CallbackURL, osscallback.User(dir, rules.Dir), in.Filename)
	conds = append(conds, cbConds...)
	maps.Copy(fields, cbFields)

	creds, err := s.creds.Credentials(r.Context())
	if err != nil {
		return nil, upload.Unavailable("signing credentials", err)
	}
	exp := now.Add(rules.Expires)
	signed, err := s.signer.SignPostPolicyV4(creds, ossauth.PostPolicyV4Options{
		Bucket: s.cfg.Bucket, Region: s.cfg.Region, Expiration: exp, Conditions: conds,
	}, now)
	if err != nil {
		return nil, err
	}
	signed.AddFields(fields)
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
		Callback:         fields["callback"],
	}, nil
}
