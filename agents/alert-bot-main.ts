import * as http from "node:http";
import { AlertBot } from "./alert-bot";
import { MatrixRoom } from "./matrix-room";
import { TEXT_FORMAT } from "./metrics-text";

/**
 * The alert bot's container program (`node alert-bot.js`), configured by its environment
 * (config-templates/alert-bot-env.ts): Alertmanager's webhook on WEBHOOK_PATH, /metrics and /health.
 */
const MAX_BODY = 1 << 20;

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    console.error(`alert-bot: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

function main(): void {
  const room = new MatrixRoom({
    homeserver: env("MATRIX_HOMESERVER_URL"),
    user: env("MATRIX_USER"),
    password: env("MATRIX_PASSWORD"),
    alias: env("ALERT_ROOM_ALIAS"),
    name: env("ALERT_ROOM_NAME"),
    invite: (process.env.ALERT_ROOM_INVITE ?? "").split(",").filter((user) => user !== ""),
  });
  const bot = new AlertBot(room);
  const webhook = env("WEBHOOK_PATH");
  const server = http.createServer((request, response) => {
    if (request.method === "POST" && request.url === webhook) {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
        if (body.length > MAX_BODY) request.destroy();
      });
      request.on("end", () => {
        try {
          const count = bot.receive(body);
          response.writeHead(200, { "Content-Type": "text/plain" }).end(`queued ${count}\n`);
        } catch (error) {
          response.writeHead(400, { "Content-Type": "text/plain" }).end(`${(error as Error).message}\n`);
        }
      });
    } else if (request.url === "/metrics") {
      response.writeHead(200, { "Content-Type": TEXT_FORMAT }).end(bot.metrics());
    } else if (request.url === "/health") {
      response.writeHead(200, { "Content-Type": "text/plain" }).end("ok\n");
    } else {
      response.writeHead(404).end();
    }
  });
  server.listen(Number(env("LISTEN_PORT")), () => {
    console.log(`alert-bot: posting to ${process.env.ALERT_ROOM_ALIAS} as ${process.env.MATRIX_USER}`);
    // Log in, find or make the room and invite before the first alert comes (again later until it worked).
    bot.kick(0);
  });
  const stop = () => {
    bot.stop();
    server.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main();
