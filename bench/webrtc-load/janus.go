package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// janusClient speaks Janus' HTTP API: one session, many handles; a long poll
// hands each handle the events it waits for (those with a JSEP or an error).
type janusClient struct {
	url     string
	session int64
	http    *http.Client
	mu      sync.Mutex
	waiters map[int64]chan map[string]any
	done    chan struct{}
}

func newJanusClient(url string) (*janusClient, error) {
	c := &janusClient{url: url, http: &http.Client{Timeout: 60 * time.Second},
		waiters: map[int64]chan map[string]any{}, done: make(chan struct{})}
	reply, err := c.post(url, map[string]any{"janus": "create"})
	if err != nil {
		return nil, err
	}
	if c.session, err = dataID(reply); err != nil {
		return nil, err
	}
	go c.poll()
	return c, nil
}

func (c *janusClient) post(url string, body map[string]any) (map[string]any, error) {
	body["transaction"] = strconv.FormatInt(rand.Int63(), 36)
	raw, _ := json.Marshal(body)
	resp, err := c.http.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var reply map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		return nil, fmt.Errorf("janus reply: %w", err)
	}
	if reply["janus"] == "error" {
		return nil, fmt.Errorf("janus error: %v", reply["error"])
	}
	return reply, nil
}

func dataID(reply map[string]any) (int64, error) {
	data, _ := reply["data"].(map[string]any)
	id, ok := data["id"].(float64)
	if !ok {
		return 0, fmt.Errorf("no id in %v", reply)
	}
	return int64(id), nil
}

func (c *janusClient) sessionURL() string { return fmt.Sprintf("%s/%d", c.url, c.session) }

func (c *janusClient) attach(plugin string) (int64, error) {
	reply, err := c.post(c.sessionURL(), map[string]any{"janus": "attach", "plugin": plugin})
	if err != nil {
		return 0, err
	}
	handle, err := dataID(reply)
	if err == nil {
		c.mu.Lock()
		c.waiters[handle] = make(chan map[string]any, 4)
		c.mu.Unlock()
	}
	return handle, err
}

// request sends a synchronous plugin request and returns the plugin's data.
func (c *janusClient) request(handle int64, body map[string]any) (map[string]any, error) {
	reply, err := c.post(fmt.Sprintf("%s/%d", c.sessionURL(), handle),
		map[string]any{"janus": "message", "body": body})
	if err != nil {
		return nil, err
	}
	return pluginData(reply)
}

func pluginData(reply map[string]any) (map[string]any, error) {
	pd, _ := reply["plugindata"].(map[string]any)
	data, _ := pd["data"].(map[string]any)
	if data == nil {
		return nil, fmt.Errorf("no plugin data in %v", reply)
	}
	if code, ok := data["error_code"]; ok {
		return nil, fmt.Errorf("plugin error %v: %v", code, data["error"])
	}
	return data, nil
}

// offer sends body with a JSEP offer and waits for the event carrying the answer.
func (c *janusClient) offer(handle int64, body map[string]any, sdp string,
	timeout time.Duration) (string, error) {
	jsep := map[string]any{"type": "offer", "sdp": sdp, "trickle": false}
	if _, err := c.post(fmt.Sprintf("%s/%d", c.sessionURL(), handle),
		map[string]any{"janus": "message", "body": body, "jsep": jsep}); err != nil {
		return "", err
	}
	c.mu.Lock()
	ch := c.waiters[handle]
	c.mu.Unlock()
	select {
	case ev := <-ch:
		if _, err := pluginData(ev); err != nil {
			return "", err
		}
		j, _ := ev["jsep"].(map[string]any)
		answer, _ := j["sdp"].(string)
		if answer == "" {
			return "", fmt.Errorf("no JSEP answer in %v", ev)
		}
		return answer, nil
	case <-time.After(timeout):
		return "", fmt.Errorf("no answer within %v", timeout)
	}
}

func (c *janusClient) poll() {
	for {
		select {
		case <-c.done:
			return
		default:
		}
		resp, err := c.http.Get(c.sessionURL() + "?maxev=100")
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		var raw json.RawMessage
		err = json.NewDecoder(resp.Body).Decode(&raw)
		resp.Body.Close()
		if err != nil {
			continue
		}
		var events []map[string]any
		if json.Unmarshal(raw, &events) != nil {
			var one map[string]any
			if json.Unmarshal(raw, &one) != nil {
				continue
			}
			events = []map[string]any{one}
		}
		for _, ev := range events {
			c.route(ev)
		}
	}
}

// route keeps what a join waits for: its answer or its error. Everything else
// (other participants' joins, talking events, media reports) is dropped.
func (c *janusClient) route(ev map[string]any) {
	sender, _ := ev["sender"].(float64)
	_, hasJsep := ev["jsep"]
	_, err := pluginData(ev)
	isErr := err != nil && ev["plugindata"] != nil
	if !hasJsep && !isErr {
		return
	}
	c.mu.Lock()
	ch := c.waiters[int64(sender)]
	c.mu.Unlock()
	if ch != nil {
		select {
		case ch <- ev:
		default:
		}
	}
}

func (c *janusClient) destroy() {
	close(c.done)
	_, _ = c.post(c.sessionURL(), map[string]any{"janus": "destroy"})
}
