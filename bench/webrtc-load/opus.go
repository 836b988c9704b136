package main

// #cgo pkg-config: opus
// #include <opus/opus.h>
// #include <stdlib.h>
// static int enc_set_bitrate(OpusEncoder *e, opus_int32 b) { return opus_encoder_ctl(e, OPUS_SET_BITRATE(b)); }
import "C"

import (
	"fmt"
	"unsafe"
)

// encoder and decoder wrap libopus (48 kHz mono): the signals are encoded once
// before a run, and what comes back is decoded after it.
type encoder struct{ e *C.OpusEncoder }

func newEncoder(bitrate int) (*encoder, error) {
	var err C.int
	e := C.opus_encoder_create(sampleRate, 1, C.OPUS_APPLICATION_VOIP, &err)
	if err != C.OPUS_OK {
		return nil, fmt.Errorf("opus_encoder_create: %s", C.GoString(C.opus_strerror(err)))
	}
	if C.enc_set_bitrate(e, C.opus_int32(bitrate)) != C.OPUS_OK {
		C.opus_encoder_destroy(e)
		return nil, fmt.Errorf("opus: bitrate %d refused", bitrate)
	}
	return &encoder{e}, nil
}

func (e *encoder) encode(pcm []int16) ([]byte, error) {
	out := make([]byte, 1500)
	n := C.opus_encode(e.e, (*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(len(pcm)),
		(*C.uchar)(unsafe.Pointer(&out[0])), C.opus_int32(len(out)))
	if n < 0 {
		return nil, fmt.Errorf("opus_encode: %s", C.GoString(C.opus_strerror(n)))
	}
	return out[:n], nil
}

func (e *encoder) close() { C.opus_encoder_destroy(e.e) }

type decoder struct{ d *C.OpusDecoder }

func newDecoder() (*decoder, error) {
	var err C.int
	d := C.opus_decoder_create(sampleRate, 1, &err)
	if err != C.OPUS_OK {
		return nil, fmt.Errorf("opus_decoder_create: %s", C.GoString(C.opus_strerror(err)))
	}
	return &decoder{d}, nil
}

// decode returns the samples of one packet, or of a concealed frame when
// payload is nil; nil when the packet is not decodable.
func (d *decoder) decode(payload []byte) []int16 {
	pcm := make([]int16, 5760)
	var data *C.uchar
	if len(payload) > 0 {
		data = (*C.uchar)(unsafe.Pointer(&payload[0]))
	}
	max := len(pcm)
	if payload == nil {
		max = frameSamples
	}
	n := C.opus_decode(d.d, data, C.opus_int32(len(payload)),
		(*C.opus_int16)(unsafe.Pointer(&pcm[0])), C.int(max), 0)
	if n < 0 {
		return nil
	}
	return pcm[:n]
}

func (d *decoder) close() { C.opus_decoder_destroy(d.d) }
