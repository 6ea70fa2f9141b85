package altcraft

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/valyala/fasthttp"
)

// Some proxies compress answers the client never asked to be compressed
// (Content-Encoding: gzip with no Accept-Encoding). Read as it came, such an
// answer is binary: a real success would be taken for an unreadable one and
// sent again. So an answer is decoded by its Content-Encoding whatever was
// asked, through the same size limit as a plain one.

// errTooLong: a decoded answer longer than maxAnswerBytes.
var errTooLong = fmt.Errorf("longer than %d KiB once decoded", maxAnswerBytes>>10)

// decodedBody is resp's body decoded by its Content-Encoding (gzip, deflate;
// identity or none as it is).
func decodedBody(resp *fasthttp.Response) ([]byte, error) {
	raw := resp.Body()
	enc := strings.ToLower(strings.TrimSpace(string(resp.Header.ContentEncoding())))
	var r io.Reader
	switch enc {
	case "", "identity":
		return raw, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	case "deflate":
		// HTTP's deflate is zlib's format; some servers send raw deflate.
		zr, err := zlib.NewReader(bytes.NewReader(raw))
		if err != nil {
			r = flate.NewReader(bytes.NewReader(raw))
		} else {
			r = zr
		}
	default:
		return nil, fmt.Errorf("Content-Encoding %q, which acimport does not decode", enc)
	}
	out, err := io.ReadAll(io.LimitReader(r, maxAnswerBytes+1))
	if err != nil {
		return nil, fmt.Errorf("Content-Encoding %s: %w", enc, err)
	}
	if len(out) > maxAnswerBytes {
		return nil, errTooLong
	}
	return out, nil
}

// undecodable is the result of an answer whose body could not be decoded:
// by its status when that says enough (429, 5xx, 401/403), else an ambiguous
// failure (a success may have been applied), retried.
func undecodable(resp *fasthttp.Response, err error) Result {
	status := resp.StatusCode()
	if status < 200 || status >= 300 {
		r := classify(status, string(resp.Header.Peek("Retry-After")), nil)
		r.Status = status
		return r
	}
	reason := "the answer could not be read: " + snippet([]byte(err.Error()))
	if errors.Is(err, errTooLong) {
		reason = "the answer is " + err.Error()
	}
	return Result{Kind: Transient, Code: RejectHTTPInvalid(status), Reason: reason, Status: status, Ambiguous: true}
}
