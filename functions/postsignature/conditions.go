package main

import (
	"github.com/fc-oss-upload/fc-oss-upload/shared/ossauth"
	"github.com/fc-oss-upload/fc-oss-upload/shared/upload"
)

// formConditions renders a plan as policy conditions and form fields (upload.FormConditions, shared
// with presignedurl's Uppy /s3/params).
func formConditions(p upload.FormPlan) ([]ossauth.Condition, map[string]string) {
	return upload.FormConditions(p)
}
