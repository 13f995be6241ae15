package sdktest

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ossv2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/fc-oss-upload/fc-oss-upload/internal/localcred"
	"github.com/fc-oss-upload/fc-oss-upload/internal/localoss"
)

// Multipart rules as OSS applies them, driven by the official v2 SDK (an independent client):
// part sizes and order at completion, signatures on every call (presigned parts included) and
// session policies per action.

func initiate(t *testing.T, cl *ossv2.Client, key string) *string {
	t.Helper()
	init, err := cl.InitiateMultipartUpload(context.Background(), &ossv2.InitiateMultipartUploadRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	return init.UploadId
}

func uploadParts(t *testing.T, cl *ossv2.Client, key string, id *string, data ...[]byte) []ossv2.UploadPart {
	t.Helper()
	var parts []ossv2.UploadPart
	for i, d := range data {
		res, err := cl.UploadPart(context.Background(), &ossv2.UploadPartRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(key),
			UploadId: id, PartNumber: int32(i + 1), Body: bytes.NewReader(d)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		parts = append(parts, ossv2.UploadPart{PartNumber: int32(i + 1), ETag: res.ETag})
	}
	return parts
}

func completeCode(cl *ossv2.Client, key string, id *string, parts []ossv2.UploadPart) string {
	_, err := cl.CompleteMultipartUpload(context.Background(), &ossv2.CompleteMultipartUploadRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(key),
		UploadId: id, CompleteMultipartUpload: &ossv2.CompleteMultipartUpload{Parts: parts}})
	return v2Code(err)
}

func TestMultipartPartSizesAndOrder(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, time.Now())
	cl := v2Client(env, sdkCreds[0], ossv2.SignatureVersionV4, testRegion)
	atMin, belowMin := bytes.Repeat([]byte("a"), minPartSize), bytes.Repeat([]byte("b"), minPartSize-1)

	id := initiate(t, cl, "small")
	parts := uploadParts(t, cl, "small", id, belowMin, atMin)
	if code := completeCode(cl, "small", id, parts); code != localoss.CodeEntityTooSmall {
		t.Errorf("a part under 100 KiB before the last: %q, want %s", code, localoss.CodeEntityTooSmall)
	}
	// The same upload completes with the small part last (the last part has no minimum).
	if code := completeCode(cl, "small", id, parts[:1]); code != "" {
		t.Errorf("small part alone (last): %q", code)
	}

	id = initiate(t, cl, "order")
	parts = uploadParts(t, cl, "order", id, atMin, atMin)
	// The SDK sorts the parts it is given, so the descending list goes out as a raw operation.
	xmlBody := "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>" + *parts[1].ETag + "</ETag></Part>" +
		"<Part><PartNumber>1</PartNumber><ETag>" + *parts[0].ETag + "</ETag></Part></CompleteMultipartUpload>"
	_, err := cl.InvokeOperation(context.Background(), &ossv2.OperationInput{OpName: "CompleteMultipartUpload", Method: http.MethodPost,
		Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("order"), Parameters: map[string]string{"uploadId": *id}, Body: strings.NewReader(xmlBody)})
	if code := v2Code(err); code != localoss.CodeInvalidPartOrder {
		t.Errorf("descending parts: %q, want %s", code, localoss.CodeInvalidPartOrder)
	}
	if code := completeCode(cl, "order", id, parts); code != "" {
		t.Errorf("ascending parts: %q", code)
	}
	mustObject(t, env, "order", append(append([]byte(nil), atMin...), atMin...))
}

func TestMultipartSignedEveryCall(t *testing.T) {
	t.Parallel()
	now := time.Now()
	env := newTestEnv(t, now)
	// A session policy that may upload under uploads/ but neither list nor abort.
	env.keys.Put(localcred.Key{AccessKeyID: "STS.putonly", AccessKeySecret: "s", SecurityToken: "tok", Expiration: now.Add(time.Hour),
		Policy: []byte(`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"acs:oss:*:*:` + testBucket + `/uploads/*"}]}`)})
	putOnly := v2Client(env, sdkCred{"putonly", "STS.putonly", "s", "tok"}, ossv2.SignatureVersionV4, testRegion)
	ctx := context.Background()
	key := "uploads/" + testKey
	id := initiate(t, putOnly, key)

	// A presigned UploadPart URL (how browsers get parts) is accepted as signed, and only so.
	res, err := putOnly.Presign(ctx, &ossv2.UploadPartRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(key), UploadId: id, PartNumber: 1}, ossv2.PresignExpires(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("part one")
	if status, code, msg := env.stack.Send(t, res.Method, res.URL, res.SignedHeaders, body); status != 200 {
		t.Fatalf("presigned part: %d %s %s", status, code, msg)
	}
	u, _ := url.Parse(res.URL)
	q := u.Query()
	q.Set("partNumber", "2") // the signature covers the part number
	u.RawQuery = q.Encode()
	if status, code, _ := env.stack.Send(t, http.MethodPut, u.String(), res.SignedHeaders, body); status != 403 || code != localoss.CodeSignatureDoesNotMatch {
		t.Errorf("part number changed: %d %s", status, code)
	}
	unsigned := env.url + "/" + testBucket + "/" + strings.ReplaceAll(url.PathEscape(key), "%2F", "/") + "?partNumber=1&uploadId=" + *id
	if status, code, _ := env.stack.Send(t, http.MethodPut, unsigned, nil, body); status != 403 || code != localoss.CodeAccessDenied {
		t.Errorf("unsigned part: %d %s", status, code)
	}

	// ListParts and AbortMultipartUpload are actions of their own.
	_, err = putOnly.ListParts(ctx, &ossv2.ListPartsRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(key), UploadId: id})
	if code := v2Code(err); code != localoss.CodeAccessDenied {
		t.Errorf("ListParts without oss:ListParts: %q", code)
	}
	_, err = putOnly.AbortMultipartUpload(ctx, &ossv2.AbortMultipartUploadRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr(key), UploadId: id})
	if code := v2Code(err); code != localoss.CodeAccessDenied {
		t.Errorf("Abort without oss:AbortMultipartUpload: %q", code)
	}
	// The upload ID belongs to its key.
	full := v2Client(env, sdkCreds[0], ossv2.SignatureVersionV4, testRegion)
	_, err = full.ListParts(ctx, &ossv2.ListPartsRequest{Bucket: ossv2.Ptr(testBucket), Key: ossv2.Ptr("uploads/other"), UploadId: id})
	if code := v2Code(err); code != localoss.CodeNoSuchUpload {
		t.Errorf("upload ID under another key: %q", code)
	}
}
