package localosstest

import (
	"testing"
	"unicode/utf8"
)

func TestMutationsChangeOneCharacter(t *testing.T) {
	for _, s := range []string{"a", "f", "9", "Z", "z", "abc123", "中文 a+b~(1) 100%'.png", "0b1ecbb6", "dGVzdA==", "/"} {
		for _, m := range mutations(s) {
			if m == s {
				t.Errorf("mutation of %q is unchanged", s)
			}
			if !utf8.ValidString(m) || utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
				t.Errorf("mutation %q of %q is not one changed character", m, s)
			}
			diff := 0
			rm, rs := []rune(m), []rune(s)
			for i := range rs {
				if rm[i] != rs[i] {
					diff++
				}
			}
			if diff != 1 {
				t.Errorf("mutation %q of %q changes %d characters", m, s, diff)
			}
		}
	}
}

// TestCasesCover checks the table keeps meeting every value with every other: each intent at each
// endpoint, and both credential kinds, both region forms and both prefixes among the rows.
func TestCasesCover(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Cases() {
		seen["intent+endpoint "+c.Intent.Name+"@"+c.Endpoint.Name] = true
		seen["token "+c.Key.SecurityToken+" region "+c.Region] = true
		seen["dir "+c.Dir+" endpoint "+c.Endpoint.Name] = true
		seen["overwrite "+c.Settings["OSS_FORBID_OVERWRITE"]] = true
	}
	want := len(intents)*len(endpoints) + 2*2 + len(dirs)*len(endpoints) + 2
	if len(seen) != want {
		t.Errorf("the table covers %d of %d combinations: %v", len(seen), want, seen)
	}
}
