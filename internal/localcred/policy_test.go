package localcred

import "testing"

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"uploads/*", "uploads/a/b", true}, {"uploads/*", "uploads", false},
		{"a?c", "abc", true}, {"a?c", "a中c", true}, {"*.png", "x/y.png", true}, {"*.png", "x/y.png.exe", false},
		{"a*b*c", "a-b-b-c", true}, {"a*b*c", "a-b-b-", false},
	}
	for _, c := range cases {
		if got := globMatch(c.pattern, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.pattern, c.s, got)
		}
	}
}

func TestPermits(t *testing.T) {
	const role = "acs:ram::1234567890123456:role/uploads"
	assume := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + role + `"}]}`)
	put := []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject"],"Resource":"acs:oss:*:*:b/up/*"}]}`)
	object := "acs:oss:*:*:b/up/x"
	cases := []struct {
		name             string
		key              Key
		action, resource string
		want             bool
	}{
		{"no policy", Key{}, "oss:DeleteObject", object, true},
		{"identity allows", Key{IdentityPolicy: put}, "oss:PutObject", object, true},
		{"identity: other action", Key{IdentityPolicy: put}, "oss:GetObject", object, false},
		{"identity: other prefix", Key{IdentityPolicy: put}, "oss:PutObject", "acs:oss:*:*:b/upx", false},
		{"session allows, identity does not", Key{IdentityPolicy: assume, Policy: put}, "oss:PutObject", object, false},
		{"identity allows, session does not", Key{IdentityPolicy: put, Policy: assume}, "oss:PutObject", object, false},
		{"both allow", Key{IdentityPolicy: put, Policy: put}, "oss:PutObject", object, true},
		{"assume the named role", Key{IdentityPolicy: assume}, "sts:AssumeRole", role, true},
		{"assume another role", Key{IdentityPolicy: assume}, "sts:AssumeRole", "acs:ram::1234567890123456:role/uploads2", false},
		{"assume in another account", Key{IdentityPolicy: assume}, "sts:AssumeRole", "acs:ram::9999999999999999:role/uploads", false},
		{"unparsable identity", Key{IdentityPolicy: []byte("{")}, "oss:PutObject", object, false},
	}
	for _, c := range cases {
		if got, _ := c.key.Permits(c.action, c.resource); got != c.want {
			t.Errorf("%s: Permits(%s, %s) = %v", c.name, c.action, c.resource, got)
		}
	}
}
