package ossauth

import "log/slog"

// Credentials is an AccessKey pair with the security token of temporary (STS) credentials.
// String and LogValue never reveal the secret or the token, so a Credentials value is safe to log
// by accident; code that needs the secret reads the field.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	// SecurityToken is the STS token; empty for long-term keys.
	SecurityToken string
}

// String returns the AccessKeyID with its tail masked and no secret or token.
func (c Credentials) String() string {
	return "ossauth.Credentials{AccessKeyID:" + maskID(c.AccessKeyID) + ", AccessKeySecret:[redacted], SecurityToken:[redacted]}"
}

// GoString is String, so %#v does not print the secret either.
func (c Credentials) GoString() string { return c.String() }

// LogValue implements slog.LogValuer with the masked AccessKeyID only.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("accessKeyId", maskID(c.AccessKeyID)), slog.Bool("temporary", c.SecurityToken != ""))
}

// Valid reports whether both halves of the key pair are set.
func (c Credentials) Valid() bool { return c.AccessKeyID != "" && c.AccessKeySecret != "" }

// maskID shortens an AccessKeyID for logs: the first 4 and last 2 characters stay, the rest is *.
func maskID(id string) string {
	if len(id) <= 8 {
		return "****"
	}
	return id[:4] + "****" + id[len(id)-2:]
}
