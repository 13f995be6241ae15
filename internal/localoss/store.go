package localoss

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"hash/crc64"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ObjectMeta is what the server stores next to an object's bytes.
type ObjectMeta struct {
	Key          string    `json:"key"`
	Size         int64     `json:"size"`         // bytes
	ContentType  string    `json:"contentType"`  // as served in Content-Type
	ETag         string    `json:"etag"`         // as served in the ETag header, quoted upper-case hex
	CRC64        uint64    `json:"crc64"`        // CRC-64/ECMA-182 of the bytes, as x-oss-hash-crc64ecma
	LastModified time.Time `json:"lastModified"` // commit time from the server clock
	Multipart    bool      `json:"multipart"`    // assembled by CompleteMultipartUpload
	// UserMeta holds x-oss-meta-* values by lower-case name without the "x-oss-meta-" prefix.
	UserMeta map[string]string `json:"userMeta,omitempty"`
	// Headers holds the stored standard headers (Cache-Control, Content-Disposition,
	// Content-Encoding, Expires) by canonical name.
	Headers map[string]string `json:"headers,omitempty"`
}

// ErrNotFound is returned by (*Server).Object for a key or bucket that does not exist.
var ErrNotFound = errors.New("localoss: object not found")

const (
	maxKeyBytes     = 1023 // OSS's limit on an object name, in bytes
	maxSegmentBytes = 240  // local file-name limit on one "/"-separated key segment, in bytes
	dirSuffix       = ".dir"
	dataSuffix      = ".obj"
	metaSuffix      = ".meta"
)

var crcTable = crc64.MakeTable(crc64.ECMA)

// store keeps objects on disk: key "a/b/c" of bucket B is <root>/B/a.dir/b.dir/c.obj with its
// metadata in c.meta. The suffixes keep directories, data and metadata from ever colliding, and no
// key maps outside the bucket directory. Temporary files live in <root>/.tmp and multipart uploads
// in <root>/.uploads; bucket names cannot start with a dot.
type store struct {
	root string
	mu   sync.Mutex // orders commits and opens so a reader never sees new bytes with old metadata
}

func newStore(root string) (*store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{abs, filepath.Join(abs, ".tmp"), filepath.Join(abs, ".uploads")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	return &store{root: abs}, nil
}

// validateKey refuses object names OSS refuses and names that could address anything outside
// the bucket directory.
func validateKey(key string) *Error {
	switch {
	case key == "":
		return errInvalidObjectName("The object name must not be empty.")
	case len(key) > maxKeyBytes:
		return errInvalidObjectName("The object name must be at most 1023 bytes long.")
	case !utf8.ValidString(key):
		return errInvalidObjectName("The object name must be valid UTF-8.")
	case key[0] == '/' || key[0] == '\\':
		return errInvalidObjectName("The object name must not start with '/' or '\\'.")
	case strings.ContainsAny(key, "\\\x00"):
		return errInvalidObjectName("The object name must not contain '\\' or NUL.")
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "." || seg == ".." {
			return errInvalidObjectName("The object name must not contain '.' or '..' path segments.")
		}
		if len(seg) > maxSegmentBytes {
			return errInvalidObjectName("An object name segment between '/' is longer than the local store allows (240 bytes).")
		}
	}
	return nil
}

// paths returns the data and metadata file paths of bucket/key.
func (st *store) paths(bucket, key string) (data, meta string, err *Error) {
	if err := validateKey(key); err != nil {
		return "", "", err
	}
	segs := strings.Split(key, "/")
	elems := []string{st.root, bucket}
	for _, s := range segs[:len(segs)-1] {
		elems = append(elems, s+dirSuffix)
	}
	base := filepath.Join(elems...)
	last := segs[len(segs)-1]
	data, meta = filepath.Join(base, last+dataSuffix), filepath.Join(base, last+metaSuffix)
	// Belt and braces: the mapping cannot leave the bucket directory, check anyway.
	bucketDir := filepath.Join(st.root, bucket) + string(filepath.Separator)
	if !strings.HasPrefix(data, bucketDir) || !strings.HasPrefix(meta, bucketDir) {
		return "", "", errInvalidObjectName("The object name is not allowed.")
	}
	return data, meta, nil
}

// ingested is a request body streamed to a temporary file with its digests.
type ingested struct {
	path string
	size int64
	md5  []byte
	crc  uint64
}

// discard removes the temporary file if it was not committed.
func (in *ingested) discard() {
	if in != nil && in.path != "" {
		_ = os.Remove(in.path)
	}
}

// ingest streams r into a temporary file, refusing more than max bytes.
func (st *store) ingest(r io.Reader, max int64) (*ingested, error) {
	f, err := os.CreateTemp(filepath.Join(st.root, ".tmp"), "in-*")
	if err != nil {
		return nil, err
	}
	in := &ingested{path: f.Name()}
	d := newDigestWriter()
	n, err := io.Copy(io.MultiWriter(f, d), io.LimitReader(r, max+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		in.discard()
		return nil, err
	}
	if n > max {
		in.discard()
		return nil, errTooLarge(max)
	}
	in.size, in.md5, in.crc = n, d.md5.Sum(nil), d.crc.Sum64()
	return in, nil
}

// commit moves an ingested body into place as bucket/key with meta. With forbidOverwrite an
// existing object is left alone and FileAlreadyExists returned.
func (st *store) commit(bucket, key string, in *ingested, meta ObjectMeta, forbidOverwrite bool) error {
	dataPath, metaPath, verr := st.paths(bucket, key)
	if verr != nil {
		return verr
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	tmpMeta, err := writeTemp(filepath.Join(st.root, ".tmp"), metaJSON)
	if err != nil {
		return err
	}
	defer os.Remove(tmpMeta)

	st.mu.Lock()
	defer st.mu.Unlock()
	if forbidOverwrite {
		if _, err := os.Stat(metaPath); err == nil {
			return errFileExists()
		}
	}
	if err := os.MkdirAll(filepath.Dir(dataPath), 0o755); err != nil {
		return err
	}
	if err := os.Rename(in.path, dataPath); err != nil {
		return err
	}
	in.path = ""
	return os.Rename(tmpMeta, metaPath)
}

func (st *store) exists(bucket, key string) bool {
	_, metaPath, err := st.paths(bucket, key)
	if err != nil {
		return false
	}
	_, serr := os.Stat(metaPath)
	return serr == nil
}

// open returns the object's bytes as an open file, and its metadata.
func (st *store) open(bucket, key string) (*os.File, ObjectMeta, error) {
	dataPath, metaPath, verr := st.paths(bucket, key)
	if verr != nil {
		return nil, ObjectMeta{}, verr
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	raw, err := os.ReadFile(metaPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ObjectMeta{}, errNoSuchKey(key)
	}
	if err != nil {
		return nil, ObjectMeta{}, err
	}
	var meta ObjectMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, ObjectMeta{}, err
	}
	f, err := os.Open(dataPath)
	if err != nil {
		return nil, ObjectMeta{}, err
	}
	return f, meta, nil
}

func (st *store) remove(bucket, key string) error {
	dataPath, metaPath, verr := st.paths(bucket, key)
	if verr != nil {
		return verr
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := os.Remove(metaPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Remove(dataPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// list returns the keys stored in bucket, sorted.
func (st *store) list(bucket string) ([]string, error) {
	root := filepath.Join(st.root, bucket)
	var keys []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == root {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(path, metaSuffix) {
			return err
		}
		rel, err := filepath.Rel(root, strings.TrimSuffix(path, metaSuffix))
		if err != nil {
			return err
		}
		segs := strings.Split(filepath.ToSlash(rel), "/")
		for i := range segs[:len(segs)-1] {
			segs[i] = strings.TrimSuffix(segs[i], dirSuffix)
		}
		keys = append(keys, strings.Join(segs, "/"))
		return nil
	})
	sort.Strings(keys)
	return keys, err
}

// writeTemp writes b to a new temporary file in dir and returns its path.
func writeTemp(dir string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, "meta-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// etagOf formats an MD5 digest as OSS's ETag header value.
func etagOf(sum []byte) string { return `"` + strings.ToUpper(hex.EncodeToString(sum)) + `"` }

// digestWriter tracks size, MD5 and CRC-64 of what passes through it.
type digestWriter struct {
	md5 hash.Hash
	crc hash.Hash64
	n   int64
}

func newDigestWriter() *digestWriter {
	return &digestWriter{md5: md5.New(), crc: crc64.New(crcTable)}
}

func (d *digestWriter) Write(p []byte) (int, error) {
	d.md5.Write(p)
	d.crc.Write(p)
	d.n += int64(len(p))
	return len(p), nil
}
