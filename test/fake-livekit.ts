/**
 * A fake LiveKit SFU for unit tests, on loopback: the Twirp RoomService's CreateRoom (protobuf, bearer token with
 * `video.roomCreate`) and the signalling WebSocket `/rtc`, which answers as LiveKit v1.13.5 does before the upgrade
 * (401 for a token it cannot verify, 404 "requested room does not exist" with `room.auto_create: false`) and sends
 * a binary `SignalResponse{join}` after it (docs/upstream/livekit.md). Tokens are checked with livekit-server-sdk's
 * TokenVerifier and messages built with @livekit/protocol: LiveKit's own code, not the code under test.
 */
import { CreateRoomRequest, JoinResponse, ParticipantInfo, Room, SignalResponse } from "@livekit/protocol";
import { createHash } from "node:crypto";
import * as http from "node:http";
import { AddressInfo, Socket } from "node:net";
import { TokenVerifier } from "livekit-server-sdk";

export interface FakeLivekit {
  readonly url: string;
  readonly port: number;
  /** Rooms created through CreateRoom, by name. */
  readonly rooms: Map<string, CreateRoomRequest>;
  /** Every CreateRoom call: path and the Authorization header's grants. */
  readonly createCalls: Array<{ path: string; roomCreate: boolean }>;
  /** Every join: the token's identity and room. */
  readonly joins: Array<{ identity: string; room: string }>;
  close(): Promise<void>;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function refuse(socket: Socket, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** One unmasked server frame: FIN, binary, payload under 64 KiB. */
function binaryFrame(payload: Uint8Array): Buffer {
  const header =
    payload.length < 126
      ? Buffer.from([0x82, payload.length])
      : Buffer.from([0x82, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

export async function startFakeLivekit(key: string, secret: string): Promise<FakeLivekit> {
  const verifier = new TokenVerifier(key, secret);
  const rooms = new Map<string, CreateRoomRequest>();
  const createCalls: FakeLivekit["createCalls"] = [];
  const joins: FakeLivekit["joins"] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.method !== "POST" || !req.url?.endsWith("/twirp/livekit.RoomService/CreateRoom"))
        return void res.writeHead(404).end("404 page not found\n");
      const grants = await verifier
        .verify((req.headers.authorization ?? "").replace(/^Bearer /, ""))
        .catch(() => undefined);
      createCalls.push({ path: req.url, roomCreate: grants?.video?.roomCreate === true });
      if (grants?.video?.roomCreate !== true)
        return void res
          .writeHead(401, { "Content-Type": "application/json" })
          .end('{"code":"unauthenticated","msg":"permissions denied"}');
      const request = CreateRoomRequest.fromBinary(body);
      const existing = rooms.get(request.name);
      if (existing === undefined) rooms.set(request.name, request);
      const room = new Room({
        sid: `RM_${request.name.slice(0, 8)}`,
        name: request.name,
        emptyTimeout: request.emptyTimeout,
        creationTime: BigInt(Math.floor(Date.now() / 1000)),
      });
      res.writeHead(200, { "Content-Type": "application/protobuf" }).end(Buffer.from(room.toBinary()));
    })();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.on("upgrade", (req: http.IncomingMessage, socket: Socket) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://fake");
      if (url.pathname !== "/rtc") return refuse(socket, 404, "Not Found", "");
      const grants = await verifier.verify(url.searchParams.get("access_token") ?? "").catch(() => undefined);
      if (grants?.video?.roomJoin !== true || !grants.video.room)
        return refuse(socket, 401, "Unauthorized", "invalid token");
      if (!rooms.has(grants.video.room))
        return refuse(socket, 404, "Not Found", "requested room does not exist");
      const identity = String(grants.identity ?? grants.sub ?? "");
      joins.push({ identity, room: grants.video.room });
      const accept = createHash("sha1")
        .update(`${req.headers["sec-websocket-key"]}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest("base64");
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      const join = new SignalResponse({
        message: {
          case: "join",
          value: new JoinResponse({
            room: new Room({ sid: `RM_${grants.video.room.slice(0, 8)}`, name: grants.video.room }),
            participant: new ParticipantInfo({ sid: "PA_fake", identity }),
          }),
        },
      });
      socket.write(binaryFrame(join.toBinary()));
      // The client closes; nothing else is sent.
      socket.on("data", () => socket.end());
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    rooms,
    createCalls,
    joins,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
