package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// The token path of a MatrixRTC client (Element Call), as verify/matrix-rtc-join.ts follows it: an OpenID token
// from the member's homeserver (client-server API r0.6+ `/user/{userId}/openid/request_token`), exchanged at
// lk-jwt-service's `/get_token` (element-hq/lk-jwt-service v0.5.0 main.go: room_id, slot_id, openid_token, member)
// for LiveKit's URL and a token for the call's LiveKit room. Both requests go through the organisation's proxy.

var httpClient = &http.Client{
	Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second},
}

type livekitGrant struct {
	URL string `json:"url"`
	JWT string `json:"jwt"`
}

// callToken asks for an OpenID token, then lk-jwt-service for LiveKit's URL and token.
func callToken(ctx context.Context, c config, m member) (livekitGrant, error) {
	var grant livekitGrant
	openidPath := fmt.Sprintf("/_matrix/client/v3/user/%s/openid/request_token", url.PathEscape(m.UserID))
	var openid map[string]any
	if err := postJSON(ctx, c.Homeserver+openidPath, m.AccessToken, map[string]any{}, &openid); err != nil {
		return grant, fmt.Errorf("openid: %w", err)
	}
	body := map[string]any{
		"room_id":      c.MatrixRoom,
		"slot_id":      "m.call#ROOM",
		"openid_token": openid,
		// matrix-js-sdk's membershipID for session memberships: "<user id>:<device id>"
		"member": map[string]string{
			"id":                m.UserID + ":" + m.DeviceID,
			"claimed_user_id":   m.UserID,
			"claimed_device_id": m.DeviceID,
		},
	}
	if err := postJSON(ctx, c.LkJwt+"/get_token", "", body, &grant); err != nil {
		return grant, fmt.Errorf("get_token: %w", err)
	}
	if grant.URL == "" || grant.JWT == "" {
		return grant, fmt.Errorf("get_token: no url and jwt in the answer")
	}
	return grant, nil
}

func postJSON(ctx context.Context, target, bearer string, body any, into any) error {
	encoded, err := json.Marshal(body)
	if err != nil {
		return err
	}
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(encoded))
	if err != nil {
		return err
	}
	request.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		request.Header.Set("Authorization", "Bearer "+bearer)
	}
	response, err := httpClient.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(response.Body, 1<<20))
	if err != nil {
		return err
	}
	if response.StatusCode != http.StatusOK {
		if len(answer) > 200 {
			answer = answer[:200]
		}
		return fmt.Errorf("HTTP %d %s", response.StatusCode, answer)
	}
	return json.Unmarshal(answer, into)
}
