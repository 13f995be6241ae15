package main

import (
	"net/http"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
	"github.com/fc-oss-upload/fc-oss-upload/templates"
)

// APIPath is the route of the signature endpoint (the name Alibaba's published client calls).
const APIPath = "/get_post_signature_for_oss_upload"

type server struct {
	cfg    config.Config
	grants fcweb.Grants
	signer *upload.Signer
}

// newHandler returns the function's handler, which signs with signer and reads the time from now.
func newHandler(cfg config.Config, signer *upload.Signer, now func() time.Time) (http.Handler, error) {
	s := &server{cfg: cfg, grants: fcweb.Grants{Rules: cfg.Rules, Auth: cfg.Auth, Now: now}, signer: signer}
	page, err := templates.Page(templates.PageData{Function: cfg.Function, SignIn: cfg.Auth != nil, TokenURL: cfg.DemoTokenURL})
	if err != nil {
		return nil, err
	}
	return fcweb.New(fcweb.Options{Function: cfg.Function, CORSOrigins: cfg.CORSOrigins, Page: page, Routes: []fcweb.Route{
		{Path: APIPath, Methods: []string{http.MethodGet, http.MethodPost}, Handler: fcweb.JSON(s.policy)},
	}}), nil
}

func (s *server) policy(r *http.Request) (any, error) {
	g, err := s.grants.Read(r, upload.FormAnyKey, fcweb.ReadIntent)
	if err != nil {
		return nil, err
	}
	signed, err := s.signer.Post(r.Context(), g)
	if err != nil {
		return nil, err
	}
	fields := signed.Fields()
	return &api.PostPolicy{
		Policy:           signed.Policy,
		SignatureVersion: signed.SignatureVersion,
		Credential:       signed.Credential,
		Date:             signed.Date,
		Signature:        signed.Signature,
		SecurityToken:    signed.SecurityToken,
		Host:             s.cfg.Endpoint.BucketURL(s.cfg.Bucket),
		Dir:              g.Prefix,
		Key:              g.Key,
		Expire:           g.Expires.Unix(),
		Expiration:       g.Expires.UTC().Format(time.RFC3339),
		MaxSize:          g.MaxSize,
		Fields:           fields,
		Callback:         fields["callback"],
	}, nil
}
