import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import { Socket } from "node:net";

/**
 * A LiveKit client's first step, and no more: the signalling WebSocket `<url>/rtc?access_token=…` and the first
 * message LiveKit sends on it. LiveKit v1.13.5 checks the token and the room before the upgrade (401 for a token it
 * cannot verify, 404 "requested room does not exist" when `room.auto_create` is false and nobody created the room)
 * and then sends a binary protobuf `SignalResponse{join: JoinResponse{room, participant}}` (docs/upstream/livekit.md,
 * "A client's join"). So a `join` proves what a call needs from the token: LiveKit accepts it and the room exists.
 */

export type JoinOutcome =
  | { readonly kind: "joined"; readonly roomSid: string; readonly room: string; readonly identity: string }
  | { readonly kind: "refused"; readonly status: number; readonly body: string };

/** Joins (and leaves again at once); rejects on a network failure or no join within `timeoutMs`. */
export function joinLivekitRoom(livekitUrl: string, token: string, timeoutMs: number): Promise<JoinOutcome> {
  const url = new URL(`${livekitUrl.replace(/\/+$/, "")}/rtc`);
  url.protocol = url.protocol === "wss:" ? "https:" : url.protocol === "ws:" ? "http:" : url.protocol;
  url.searchParams.set("access_token", token);
  url.searchParams.set("auto_subscribe", "0");
  url.searchParams.set("protocol", "16");
  const key = randomBytes(16).toString("base64");
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": key,
      },
      timeout: timeoutMs,
    });
    request.on("timeout", () => request.destroy(new Error(`no join within ${timeoutMs} ms`)));
    request.on("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`${livekitUrl}/rtc: ${error.code ?? error.message}`)),
    );
    request.on("response", (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8").slice(0, 500)));
      response.on("end", () =>
        resolve({ kind: "refused", status: response.statusCode ?? 0, body: body.trim() }),
      );
    });
    request.on("upgrade", (response, socket: Socket, head: Buffer) => {
      const expected = createHash("sha1")
        .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest("base64");
      if (response.headers["sec-websocket-accept"] !== expected) {
        socket.destroy();
        return reject(new Error(`${livekitUrl}/rtc: the WebSocket handshake answer is not LiveKit's`));
      }
      let received = head;
      const onData = (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        const message = firstDataFrame(received);
        if (message === undefined) return;
        socket.off("data", onData);
        // A masked close frame (code 1000): the verify participant leaves at once.
        socket.end(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
        try {
          resolve(decodeJoin(message));
        } catch (error) {
          reject(error as Error);
        }
      };
      socket.on("data", onData);
      socket.on("error", reject);
      onData(Buffer.alloc(0));
    });
    request.end();
  });
}

/** The payload of the first complete text or binary frame of a server's (unmasked) frame stream. */
function firstDataFrame(data: Buffer): Buffer | undefined {
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = data[at]! & 0x0f;
    let length = data[at + 1]! & 0x7f;
    let start = at + 2;
    if (length === 126) {
      if (start + 2 > data.length) return undefined;
      length = data.readUInt16BE(start);
      start += 2;
    } else if (length === 127) {
      if (start + 8 > data.length) return undefined;
      length = Number(data.readBigUInt64BE(start));
      start += 8;
    }
    if (start + length > data.length) return undefined;
    if (opcode === 1 || opcode === 2) return data.subarray(start, start + length);
    at = start + length;
  }
  return undefined;
}

/** `SignalResponse{join = 1: JoinResponse{room = 1: Room{sid = 1, name = 2}, participant = 2: {identity = 2}}}`. */
function decodeJoin(message: Buffer): JoinOutcome {
  const join = bytesFields(message).get(1);
  if (join === undefined) throw new Error("LiveKit's first signalling message is not a join response");
  const fields = bytesFields(join);
  const room = bytesFields(fields.get(1) ?? Buffer.alloc(0));
  const participant = bytesFields(fields.get(2) ?? Buffer.alloc(0));
  const text = (value: Buffer | undefined) => value?.toString("utf8") ?? "";
  return {
    kind: "joined",
    roomSid: text(room.get(1)),
    room: text(room.get(2)),
    identity: text(participant.get(2)),
  };
}

/** The length-delimited fields of a protobuf message (last value wins); other wire types are skipped. */
function bytesFields(message: Buffer): Map<number, Buffer> {
  const fields = new Map<number, Buffer>();
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (at >= message.length) throw new Error("truncated protobuf message from LiveKit");
      const byte = message[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error("malformed protobuf message from LiveKit");
  };
  while (at < message.length) {
    const tag = varint();
    const wire = tag % 8;
    if (wire === 0) varint();
    else if (wire === 1 || wire === 5) at += wire === 1 ? 8 : 4;
    else if (wire === 2) {
      const length = varint();
      fields.set(Math.floor(tag / 8), message.subarray(at, at + length));
      at += length;
    } else throw new Error(`unexpected protobuf wire type ${wire} from LiveKit`);
  }
  return fields;
}
