package localoss

import (
	"encoding/json"
	"testing"
)

func TestCallbackJSONBodyType(t *testing.T) {
	vars := map[string]string{"bucket": "b", "object": `a"b`, "size": "12", "imageInfo.width": ""}
	got := callbackBody(callbackParam{Body: `{"o":${object},"s":${size},"w":${imageInfo.width}}`, BodyType: "application/json"}, vars)
	var m map[string]any
	if err := json.Unmarshal([]byte(got), &m); err != nil || m["o"] != `a"b` || m["s"] != float64(12) || m["w"] != "" {
		t.Errorf("JSON body %s (%v)", got, err)
	}
}
