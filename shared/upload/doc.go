// Package upload decides what a client may upload and renders the decision. Rules.Grant turns one
// request (what is asked, by whom, when) into a Grant: the object key or prefix, the exact or
// largest size, the type or allow-list, the disposition of active content, overwrite, expiry and
// callback. It is pure: randomness and time come in as arguments. Grant.PostPolicy renders a grant
// as POST policy conditions and form fields, Grant.Presign and PutHeaders as a presigned PUT, and
// Signer signs either with the role's credentials. Error, with its stable Code, is the one error
// model every handler answers with.
package upload
