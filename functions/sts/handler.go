package main

import (
	"context"
	"net/http"
	"time"

	"github.com/fc-oss-upload/fc-oss-upload/shared/api"
	"github.com/fc-oss-upload/fc-oss-upload/shared/config"
	"github.com/fc-oss-upload/fc-oss-upload/shared/fcweb"
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/osscallback"
	"github.com/fc-oss-upload/fc-oss-upload/shared/stscred"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
	"github.com/fc-oss-upload/fc-oss-upload/templates"
)

// APIPath is the route of the credentials endpoint (the name Alibaba's published client calls).
const APIPath = "/get_sts_token_for_oss_upload"

type server struct {
	cfg   config.Config
	cache *stscred.Cache
	fixes roleFixes
}

// newHandler returns the function's handler, which hands out the credentials of cache.
func newHandler(cfg config.Config, cache *stscred.Cache) (http.Handler, error) {
	s := &server{cfg: cfg, cache: cache, fixes: roleFixes{uploadRole: cfg.STSRoleARN, functionRole: cfg.STSFunctionRoleARN, function: cfg.Function}}
	page, err := templates.Page(templates.PageData{Function: cfg.Function, AliOSSURL: cfg.DemoAliOSSURL, SignIn: cfg.Auth != nil, TokenURL: cfg.DemoTokenURL})
	if err != nil {
		return nil, err
	}
	return warmable{fcweb.New(fcweb.Options{Function: cfg.Function, CORSOrigins: cfg.CORSOrigins, Page: page, Routes: []fcweb.Route{
		{Path: APIPath, Methods: []string{http.MethodGet, http.MethodPost}, Handler: fcweb.JSON(s.token)},
	}}), s}, nil
}

// warmable is the function's handler with the initializer hook (fcweb.Initializer).
type warmable struct {
	http.Handler
	s *server
}

// Initialize fetches the credentials of the shared prefix before the first request, so that an
// instance FC starts (or provisions) ahead of traffic answers its first request from the cache.
// In per-user mode (AUTH_*) there is no prefix to fetch ahead.
func (w warmable) Initialize(ctx context.Context) {
	if w.s.cfg.Auth != nil {
		return
	}
	if _, err := w.s.cache.Get(ctx, w.s.cfg.Rules.Dir); err != nil {
		fcweb.Logger(ctx).Warn("initializer: no credentials yet; the first request fetches them", "error", err.Error())
	}
}

func (s *server) token(r *http.Request) (any, error) {
	user, err := fcweb.User(r, s.cfg.Auth)
	if err != nil {
		return nil, err
	}
	dir := s.cfg.Rules.Prefix(user)
	tok, err := s.cache.Get(r.Context(), dir)
	if refused(err) {
		// Logged (with the cause) and answered with what to change in RAM.
		return nil, s.fixes.refusedError(err)
	} else if err != nil {
		return nil, upload.Unavailable("temporary upload credentials", err)
	}
	ep := s.cfg.Endpoint
	var cb *api.Callback
	if s.cfg.Rules.CallbackURL != "" {
		cb = osscallback.AliOSSOption(s.cfg.Rules.CallbackURL, user)
	}
	return api.Token{
		Callback:        cb,
		AccessKeyID:     tok.Credentials.AccessKeyID,
		AccessKeySecret: tok.Credentials.AccessKeySecret,
		SecurityToken:   tok.Credentials.SecurityToken,
		Expiration:      tok.Expiration.UTC().Format(time.RFC3339),
		Bucket:          s.cfg.Bucket,
		Region:          s.cfg.Region,
		Endpoint:        ep.BaseURL(),
		Cname:           ep.Addressing == ossauth.CNAME,
		PathStyle:       ep.Addressing == ossauth.PathStyle,
		Dir:             dir,
	}, nil
}
