// Package csvio reads the CSV files acimport imports and writes their reject
// files: a streaming reader that decodes the input's encoding, sniffs its
// delimiter and keeps each record's line number and raw text, and a writer
// that puts rejected rows back byte for byte in the input's own encoding and
// delimiter, so a reject file can be fed straight back in.
package csvio
