package stscred

import (
	"encoding/json"
	"fmt"

	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// uploadActions are the OSS actions an upload client needs: PutObject also covers
// InitiateMultipartUpload, UploadPart and CompleteMultipartUpload; AbortMultipartUpload and
// ListParts let ali-oss clean up and resume multipart uploads. Nothing reads, lists or deletes.
var uploadActions = []string{"oss:PutObject", "oss:AbortMultipartUpload", "oss:ListParts"}

// maxPolicyLength is STS's limit on a session policy, in characters.
const maxPolicyLength = 2048

type statement struct {
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

type document struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

// sessionPolicy returns the session policy that limits assumed credentials to uploading objects
// under acs:oss:*:*:<bucket>/<prefix>*. The effective permission is the intersection of this and
// the role's own policy.
func sessionPolicy(bucket, prefix string) (string, error) {
	// The resource is built from these two: a RAM wildcard in either would widen it.
	for _, v := range [][2]string{{"bucket", bucket}, {"prefix", prefix}} {
		if err := upload.CheckResource(v[0], v[1]); err != nil {
			return "", fmt.Errorf("stscred: %w", err)
		}
	}
	b, err := json.Marshal(document{Version: "1", Statement: []statement{{
		Effect:   "Allow",
		Action:   uploadActions,
		Resource: []string{"acs:oss:*:*:" + bucket + "/" + prefix + "*"},
	}}})
	if err != nil {
		return "", err
	}
	if len(b) > maxPolicyLength {
		return "", fmt.Errorf("stscred: session policy is %d characters; STS allows %d (shorten the prefix)", len(b), maxPolicyLength)
	}
	return string(b), nil
}
