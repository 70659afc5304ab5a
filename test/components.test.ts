import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildStackPlan } from "../config-templates/plan";
import { FILES, FileId, renderPlanFiles } from "../config-templates/files";
import { SECRET_NAMES, SecretValues, placeholderSecrets, secretPlaceholder } from "../facts/secrets";
import { neededSecrets } from "../facts/secrets";
import { OrgConfig } from "../config/model";
import { STACKS, orgFor } from "./helpers";
import { parseEnvFile, parseTurnserverConf, parseYaml } from "./parse-formats";
import {
  containersOf,
  envOf,
  isSecretValue,
  mockSecretValue,
  runStack,
  unwrap,
  uploadAt,
} from "./pulumi-harness";

/** The secret values the mock engine generates for an organisation, as the components will have used them. */
function mockSecrets(org: OrgConfig): SecretValues {
  const needed = new Set(neededSecrets(org));
  return Object.fromEntries(
    SECRET_NAMES.map((name) => {
      if (!needed.has(name)) return [name, secretPlaceholder(name)];
      const spec = {
        turn_shared_secret: "turn",
        livekit_api_key: "livekit",
        livekit_api_secret: "livekit",
        registration_shared_secret: "synapse",
        macaroon_secret_key: "synapse",
        form_secret: "synapse",
        postgres_password: undefined,
        jicofo_auth_password: "jitsi",
        jvb_auth_password: "jitsi",
        livekit_metrics_password: "monitoring",
        postgres_monitor_password: "monitoring",
        probe_password: "monitoring",
        alert_bot_password: "monitoring",
        backup_password: undefined,
      }[name];
      const rotation =
        spec === undefined ? undefined : org.secretRotation[spec as keyof OrgConfig["secretRotation"]];
      return [name, mockSecretValue(name.replace(/_/g, "-"), rotation)];
    }),
  ) as SecretValues;
}

/** The monitoring's containers (components.monitoring, on by default). */
const BACKUP = ["backup", "backup-dump"];
const MONITORING = [
  "prometheus",
  "alertmanager",
  "node-exporter",
  "postgres-exporter",
  "call-probe",
  "alert-bot",
];

const EXPECTED_CONTAINERS: Record<string, string[]> = {
  produktor: [
    "postgres",
    "synapse",
    "element-web",
    "coturn",
    "livekit",
    "lk-jwt",
    "ketesa",
    "jitsi-prosody",
    "jitsi-jicofo",
    "jitsi-jvb",
    "jitsi-web",
    ...MONITORING,
    "backup",
    "backup-dump",
  ],
  "pro-dukt": [
    "postgres",
    "synapse",
    "element-web",
    "coturn",
    "livekit",
    "lk-jwt",
    "ketesa",
    ...MONITORING,
    ...BACKUP,
  ],
  medex: [
    "postgres",
    "synapse",
    "element-web",
    "coturn",
    "livekit",
    "lk-jwt",
    "ketesa",
    ...MONITORING,
    ...BACKUP,
  ],
  moda1: ["postgres", "synapse", "element-web", "coturn", ...MONITORING, ...BACKUP],
};

/** Where each container finds its rendered file. */
const UPLOADS: Array<[service: string, file: FileId, path: string]> = [
  ["synapse", "homeserver", "/config/homeserver.yaml"],
  ["synapse", "synapseLogConfig", "/config/log.config"],
  ["element-web", "elementWeb", "/app/config.json"],
  ["coturn", "coturn", "/etc/coturn/turnserver.conf"],
  ["livekit", "livekit", "/etc/livekit.yaml"],
  ["ketesa", "ketesa", "/var/public/config.json"],
  ["prometheus", "prometheus", "/etc/prometheus/prometheus.yml"],
  ["prometheus", "alertRules", "/etc/prometheus/rules/matrix-fleet.yml"],
  ["alertmanager", "alertmanager", "/etc/alertmanager/alertmanager.yml"],
  ["call-probe", "callProbe", "/etc/matrix-fleet/call-probe.json"],
];

describe("HomeserverStack under the mock engine", () => {
  for (const stack of STACKS) {
    it(`${stack}: creates exactly the expected containers, volumes, images and one network`, async () => {
      const org = orgFor(stack);
      const run = await runStack(org);
      const containers = [...containersOf(run).keys()].sort();
      assert.deepEqual(containers, EXPECTED_CONTAINERS[stack]!.map((s) => `matrix-${stack}-${s}`).sort());
      const volumes = run.resources
        .filter((r) => r.type === "docker:index/volume:Volume")
        .map((r) => unwrap(r.inputs.name))
        .sort();
      const expectedVolumes = [
        "postgres-data",
        "synapse-data",
        "synapse-media",
        ...(org.components.jitsi ? ["jitsi-prosody", "jitsi-transcripts"] : []),
        "prometheus-data",
        "alertmanager-data",
        "textfile-metrics",
        "backup-work",
        "backup-repository",
      ];
      assert.deepEqual(volumes, expectedVolumes.map((v) => `matrix-${stack}-${v}`).sort());
      const networks = run.resources.filter((r) => r.type === "docker:index/network:Network");
      assert.equal(networks.length, 1);
      const images = run.resources
        .filter((r) => r.type === "docker:index/remoteImage:RemoteImage")
        .map((r) => unwrap(r.inputs.name));
      // The call probe and the alert bot run in one Node image; the backup's dump container runs the server's
      // PostgreSQL image resource.
      assert.equal(images.length, EXPECTED_CONTAINERS[stack]!.length - 2);
      for (const image of images) assert.match(String(image), /:[\w.-]+$/, "pinned tag");
      const proxyHosts = run.resources.filter(
        (r) => r.type === "pulumi-nodejs:dynamic/matrix-fleet:NpmProxyHost",
      );
      const expectedDomains = JSON.parse(
        renderPlanFiles(buildStackPlan(org, mockSecrets(org))).proxyHosts!,
      ).map((h: { domain_names: string[] }) => h.domain_names[0]);
      assert.deepEqual(
        proxyHosts.map((r) => r.name).sort(),
        expectedDomains.map((d: string) => `${stack}-proxy-hosts-${d}`).sort(),
      );
    });

    it(`${stack}: uploads exactly what render produces for the same secrets`, async () => {
      const org = orgFor(stack);
      const run = await runStack(org);
      const rendered = renderPlanFiles(buildStackPlan(org, mockSecrets(org)));
      const containers = containersOf(run);
      let compared = 0;
      for (const [service, file, path] of UPLOADS) {
        const container = containers.get(`matrix-${stack}-${service}`);
        if (container === undefined) {
          assert.equal(rendered[file], undefined, `${file} rendered but no ${service} container`);
          continue;
        }
        assert.equal(
          uploadAt(container, path),
          rendered[file],
          `${service}:${path} differs from render's ${FILES[file]}`,
        );
        compared++;
      }
      const lkJwt = containers.get(`matrix-${stack}-lk-jwt`);
      if (lkJwt !== undefined) {
        assert.deepEqual(envOf(lkJwt), parseEnvFile(rendered.lkJwt!));
        compared++;
      }
      for (const [service, file] of [
        ["alert-bot", "alertBot"],
        ["call-probe", "callProbeEnv"],
        ["postgres-exporter", "postgresExporter"],
      ] as const) {
        assert.deepEqual(envOf(containers.get(`matrix-${stack}-${service}`)!), parseEnvFile(rendered[file]!));
        compared++;
      }
      assert.ok(compared >= 3);
    });
  }

  it("gives lk-jwt-service host entries for its own public names at proxy.lanIp, the call probe every proxied name and the TURN host on the LAN, no other container any", async () => {
    const org = orgFor("produktor", { proxy: { lanIp: "192.0.2.77" } });
    const containers = containersOf(await runStack(org));
    const hostsOf = (name: string) => unwrap(containers.get(name)!.hosts) as unknown;
    assert.deepEqual(hostsOf("matrix-produktor-lk-jwt"), [
      { host: "produktor.io", ip: "192.0.2.77" },
      { host: "chat.produktor.io", ip: "192.0.2.77" },
      { host: "matrix-rtc.produktor.io", ip: "192.0.2.77" },
    ]);
    assert.deepEqual(hostsOf("matrix-produktor-call-probe"), [
      ...["admin", "chat", "element", "matrix-rtc", "meet"].map((h) => ({
        host: `${h}.produktor.io`,
        ip: "192.0.2.77",
      })),
      { host: "produktor.io", ip: "192.0.2.77" },
      // coturn on the host network, at the Docker host's LAN address (network.lanIp).
      { host: "turn.produktor.io", ip: "192.0.2.10" },
    ]);
    const withEntries = new Set(["matrix-produktor-lk-jwt", "matrix-produktor-call-probe"]);
    for (const [name, container] of containers)
      if (!withEntries.has(name)) assert.equal(unwrap(container.hosts), undefined, name);
    const direct = containersOf(
      await runStack(orgFor("produktor", { monitoring: { probe: { viaLan: false } } })),
    );
    assert.equal(
      unwrap(direct.get("matrix-produktor-call-probe")!.hosts),
      undefined,
      "viaLan false: DNS only",
    );
  });

  it("hands one TURN secret to Synapse, coturn and Jitsi, and one LiveKit key pair to LiveKit and lk-jwt", async () => {
    const org = orgFor("produktor");
    const containers = containersOf(await runStack(org));
    const synapse = parseYaml(
      uploadAt(containers.get("matrix-produktor-synapse")!, "/config/homeserver.yaml"),
    );
    const coturn = parseTurnserverConf(
      uploadAt(containers.get("matrix-produktor-coturn")!, "/etc/coturn/turnserver.conf"),
    );
    const jitsi = envOf(containers.get("matrix-produktor-jitsi-prosody")!);
    const turnSecret = synapse.turn_shared_secret as string;
    assert.match(turnSecret, /^mock/, "a generated value, not a placeholder");
    assert.deepEqual(coturn.get("static-auth-secret"), [turnSecret]);
    assert.equal(jitsi.TURN_CREDENTIALS, turnSecret);
    const livekit = parseYaml(uploadAt(containers.get("matrix-produktor-livekit")!, "/etc/livekit.yaml"));
    const lkJwt = envOf(containers.get("matrix-produktor-lk-jwt")!);
    assert.deepEqual(livekit.keys, { [lkJwt.LIVEKIT_KEY!]: lkJwt.LIVEKIT_SECRET });
    const turnServers = (livekit.rtc as { turn_servers: Array<{ secret: string }> }).turn_servers;
    assert.deepEqual(
      turnServers.map((t) => t.secret),
      turnServers.map(() => turnSecret),
      "LiveKit mints its clients' TURN credentials from coturn's generated secret",
    );
    const postgres = envOf(containers.get("matrix-produktor-postgres")!);
    assert.equal(
      postgres.POSTGRES_PASSWORD,
      (synapse.database as { args: { password: string } }).args.password,
    );
  });

  it("keeps every secret-carrying container input secret", async () => {
    const containers = containersOf(await runStack(orgFor("produktor")));
    const secretInputs: Array<[string, string]> = [
      ["synapse", "uploads"],
      ["coturn", "uploads"],
      ["livekit", "uploads"],
      ["lk-jwt", "envs"],
      ["postgres", "envs"],
      ["jitsi-prosody", "envs"],
      ["jitsi-jvb", "envs"],
    ];
    for (const [service, input] of secretInputs) {
      const value = containers.get(`matrix-produktor-${service}`)![input];
      assert.ok(isSecretValue(value), `${service}.${input} reaches the engine as a secret`);
    }
  });

  it("hands files without a secret over as plain values, known in a preview: Element, Ketesa", async () => {
    const org = orgFor("produktor");
    const run = await runStack(org, { preview: true });
    const containers = containersOf(run);
    const rendered = renderPlanFiles(buildStackPlan(org, placeholderSecrets()));
    for (const [service, file, path] of [
      ["element-web", "elementWeb", "/app/config.json"],
      ["ketesa", "ketesa", "/var/public/config.json"],
    ] as const) {
      const container = containers.get(`matrix-produktor-${service}`)!;
      assert.equal(isSecretValue(container.uploads), false, `${service}.uploads is not secret`);
      assert.equal(uploadAt(container, path), rendered[file], `${service}'s file is known in a preview`);
    }
    // A file with a secret stays unknown in a preview, until its secret exists.
    const synapse = containers.get("matrix-produktor-synapse")!;
    assert.deepEqual(unwrap(synapse.uploads), { __pulumiUnknown: true });
  });

  it("the call probe reads the backup's status file from the backup's work volume, read-only, and only that", async () => {
    const containers = containersOf(await runStack(orgFor("moda1")));
    assert.deepEqual(unwrap(containers.get("matrix-moda1-call-probe")!.mounts), [
      { type: "volume", source: "matrix-moda1-backup-work", target: "/work", readOnly: true },
    ]);
    const withoutBackups = containersOf(await runStack(orgFor("moda1", { backup: { enabled: false } })));
    assert.equal(unwrap(withoutBackups.get("matrix-moda1-call-probe")!.mounts), undefined);
  });

  it("node-exporter reads the host's filesystems through a read-only bind, with upstream's mount-point filter", async () => {
    const exporter = containersOf(await runStack(orgFor("moda1"))).get("matrix-moda1-node-exporter")!;
    const command = unwrap(exporter.command) as string[];
    const flag = command.find((c) => c.startsWith("--collector.filesystem.mount-points-exclude="))!;
    const filter = new RegExp(flag.slice(flag.indexOf("=") + 1));
    // Kept: the host's root and a disk mounted under /run (Debian's build excludes /run, /mnt, /media).
    for (const kept of ["/", "/run/backups", "/mnt/data", "/srv"]) assert.ok(!filter.test(kept), kept);
    // Left out: pseudo filesystems and what Docker mounts into the exporter's own container.
    for (const left of [
      "/proc",
      "/sys/fs/cgroup",
      "/etc/hosts",
      "/etc/resolv.conf",
      "/textfile",
      "/var/lib/docker/x",
    ])
      assert.ok(filter.test(left), left);
    assert.ok(command.includes("--path.rootfs=/host"));
    assert.deepEqual(unwrap(exporter.mounts), [
      { type: "bind", source: "/", target: "/host", readOnly: true },
      { type: "volume", source: "matrix-moda1-textfile-metrics", target: "/textfile", readOnly: true },
    ]);
    assert.equal(unwrap(exporter.pidMode), undefined, "its own PID namespace");
    assert.equal(unwrap(exporter.ports), undefined, "nothing published");
  });

  it("protects and retains every stateful volume (the backup repository too; not the backup's work volume)", async () => {
    const run = await runStack(orgFor("produktor"));
    const all = run.resources.filter((r) => r.type === "docker:index/volume:Volume");
    // The work volume holds the status, the dump spool and restic's cache: the next run rebuilds them.
    const work = all.filter((r) => unwrap(r.inputs.name) === "matrix-produktor-backup-work");
    assert.equal(work.length, 1);
    assert.notEqual(work[0]!.options.protect, true);
    const volumes = all.filter((r) => !work.includes(r));
    assert.equal(volumes.length, 9);
    assert.ok(volumes.some((r) => unwrap(r.inputs.name) === "matrix-produktor-backup-repository"));
    for (const volume of volumes) {
      // Metrics and silences: kept on the host when the monitoring goes, but no user data to protect.
      const monitoring = /prometheus-data|alertmanager-data|textfile-metrics/.test(volume.name);
      assert.equal(volume.options.protect, monitoring ? undefined : true, `${volume.name} protect`);
      assert.equal(volume.options.retainOnDelete, true, `${volume.name} retainOnDelete`);
    }
    const containers = run.resources.filter((r) => r.type === "docker:index/container:Container");
    for (const container of containers)
      assert.notEqual(container.options.protect, true, "containers are cattle");
  });

  it("marks adopt: true on exactly the proxy hosts proxy.adoptHosts lists, an input a preview shows (issue #28)", async () => {
    const run = await runStack(orgFor("medex", { proxy: { adoptHosts: ["element.medex-pflegedienst.de"] } }));
    const adopting = run.resources
      .filter((r) => r.type === "pulumi-nodejs:dynamic/matrix-fleet:NpmProxyHost")
      .filter((r) => unwrap(r.inputs.adopt) === true)
      .map((r) => r.name);
    assert.deepEqual(adopting, ["medex-proxy-hosts-element.medex-pflegedienst.de"]);
    const plain = await runStack(orgFor("medex"));
    assert.ok(
      plain.resources.every((r) => !("adopt" in r.inputs)),
      "no adopt input unless asked: the state of existing hosts stays as it was",
    );
  });

  it("deploys to the Docker host named in the stack config", async () => {
    const run = await runStack(
      orgFor("medex", { docker: { host: "ssh://ops@10.9.8.7", sshOpts: ["-p", "2222"] } }),
    );
    const provider = run.resources.find((r) => r.type === "pulumi:providers:docker")!;
    assert.equal(unwrap(provider.inputs.host), "ssh://ops@10.9.8.7");
    assert.deepEqual(JSON.parse(String(unwrap(provider.inputs.sshOpts))), ["-p", "2222"]);
  });

  it("mounts the directories of coturn's TLS files read-only, so a renewed certificate reaches its SIGUSR2 reload", async () => {
    const mountsOf = async (changes: Record<string, unknown>) => {
      const containers = containersOf(await runStack(orgFor("produktor", changes)));
      const coturn = containers.get("matrix-produktor-coturn")!;
      const conf = parseTurnserverConf(uploadAt(coturn, "/etc/coturn/turnserver.conf"));
      const volumes = unwrap(coturn.volumes) as Array<Record<string, unknown>>;
      return { volumes, cert: conf.get("cert")![0], pkey: conf.get("pkey")![0] };
    };
    const same = await mountsOf({});
    assert.deepEqual(same.volumes, [
      {
        hostPath: "/etc/matrix-fleet/tls/turn.produktor.io",
        containerPath: "/etc/coturn/tls",
        readOnly: true,
      },
    ]);
    assert.equal(same.cert, "/etc/coturn/tls/fullchain.pem");
    assert.equal(same.pkey, "/etc/coturn/tls/privkey.pem");
    const apart = await mountsOf({ turn: { certFile: "/srv/pki/turn.crt", keyFile: "/srv/keys/turn.key" } });
    assert.deepEqual(apart.volumes, [
      { hostPath: "/srv/pki", containerPath: "/etc/coturn/tls/cert", readOnly: true },
      { hostPath: "/srv/keys", containerPath: "/etc/coturn/tls/key", readOnly: true },
    ]);
    assert.equal(apart.cert, "/etc/coturn/tls/cert/turn.crt");
    assert.equal(apart.pkey, "/etc/coturn/tls/key/turn.key");
  });

  it("runs coturn and LiveKit on the host network and publishes no relay range", async () => {
    const containers = containersOf(await runStack(orgFor("produktor")));
    for (const service of ["coturn", "livekit"]) {
      const container = containers.get(`matrix-produktor-${service}`)!;
      assert.equal(container.networkMode, "host");
      assert.equal(container.ports, undefined);
    }
    for (const [name, container] of containers) {
      assert.equal(container.restart, "unless-stopped", name);
      assert.ok(Number(container.memory) > 0, `${name} has a memory limit`);
    }
  });

  it("NPM: one certificate per host with proxy.certificate new, whose id the host carries; none for an existing id", async () => {
    const dynamic = (run: Awaited<ReturnType<typeof runStack>>, type: string) =>
      run.resources.filter((r) => r.type === `pulumi-nodejs:dynamic/matrix-fleet:${type}`);
    const run = await runStack(orgFor("produktor"));
    const hosts = dynamic(run, "NpmProxyHost");
    const certificates = dynamic(run, "NpmCertificate");
    assert.deepEqual(
      certificates.map((c) => unwrap(c.inputs.domain_names)).sort(),
      hosts.map((h) => (unwrap(h.inputs.host) as { domain_names: string[] }).domain_names).sort(),
    );
    for (const certificate of certificates)
      assert.equal(unwrap(certificate.inputs.acmeEmail), "admin@produktor.io", "proxy.letsencryptEmail");
    const ids = hosts.map((h) => (unwrap(h.inputs.host) as { certificate_id: unknown }).certificate_id);
    assert.ok(
      ids.every((id) => typeof id === "number" && id > 0),
      `certificate ids sent: ${ids.join(", ")}`,
    );
    const existing = await runStack(orgFor("produktor", { proxy: { certificate: 7 } }));
    assert.equal(dynamic(existing, "NpmCertificate").length, 0);
    for (const host of dynamic(existing, "NpmProxyHost"))
      assert.equal((unwrap(host.inputs.host) as { certificate_id: unknown }).certificate_id, 7);
  });

  it("NPM: no resource input carries the NPM credentials (the providers read them from the stack config)", async () => {
    const run = await runStack(orgFor("produktor"));
    const npmResources = run.resources.filter((r) =>
      r.type.startsWith("pulumi-nodejs:dynamic/matrix-fleet:Npm"),
    );
    assert.ok(npmResources.length > 0);
    for (const resource of npmResources) {
      const keys = Object.keys(resource.inputs).filter((k) => k !== "__provider");
      assert.ok(
        !keys.some((k) => /identity|secret|password/i.test(k)),
        `${resource.name}: ${keys.join(", ")}`,
      );
      assert.doesNotMatch(
        String(unwrap(resource.inputs.__provider)),
        /npm-test-secret|admin@example\.invalid/,
      );
    }
  });

  it("completes a preview (unknown outputs) of every stack without hanging", async () => {
    for (const stack of STACKS) {
      const run = await runStack(orgFor(stack), { preview: true });
      assert.equal(containersOf(run).size, EXPECTED_CONTAINERS[stack]!.length, stack);
    }
  });
});

describe("blast radius", () => {
  /** Names of the containers whose inputs differ between two configurations. */
  async function changedContainers(stack: string, changes: Record<string, unknown>): Promise<string[]> {
    const before = containersOf(await runStack(orgFor(stack)));
    const after = containersOf(await runStack(orgFor(stack, changes)));
    return [...after.keys()]
      .filter((name) => JSON.stringify(unwrap(before.get(name))) !== JSON.stringify(unwrap(after.get(name))))
      .map((name) => name.replace(`matrix-${stack}-`, ""))
      .sort();
  }

  it("replaces each container together with exactly the generators of the secrets it receives", async () => {
    const run = await runStack(orgFor("produktor"));
    const replaceWith = new Map(
      run.resources
        .filter((r) => r.type === "docker:index/container:Container")
        .map((r) => [
          r.name,
          (r.options.replaceWith ?? []).map((g) => (g as unknown as { __name: string }).__name).sort(),
        ]),
    );
    assert.deepEqual(Object.fromEntries(replaceWith), {
      // The backup keeps Synapse's rendered homeserver.yaml in every snapshot (the secrets a restore without
      // the Pulumi state needs), so it is replaced with Synapse's secrets; it holds no state of its own.
      "produktor-backup-backup": [
        "backup-password",
        "form-secret",
        "macaroon-secret-key",
        "postgres-password",
        "registration-shared-secret",
        "turn-shared-secret",
      ],
      "produktor-backup-dump": ["postgres-password"],
      "produktor-coturn-coturn": ["turn-shared-secret"],
      "produktor-element-element-web": [],
      "produktor-jitsi-jicofo": ["jicofo-auth-password"],
      "produktor-jitsi-jvb": ["jvb-auth-password"],
      "produktor-jitsi-prosody": ["jicofo-auth-password", "jvb-auth-password", "turn-shared-secret"],
      "produktor-jitsi-web": [],
      "produktor-ketesa-ketesa": [],
      // LiveKit mints its clients' TURN credentials from coturn's secret (rtc.turn_servers).
      "produktor-livekit-livekit": [
        "livekit-api-key",
        "livekit-api-secret",
        "livekit-metrics-password",
        "turn-shared-secret",
      ],
      "produktor-lk-jwt-lk-jwt": ["livekit-api-key", "livekit-api-secret"],
      "produktor-synapse-postgres": ["postgres-password"],
      "produktor-monitoring-prometheus": ["livekit-metrics-password"],
      "produktor-monitoring-alertmanager": [],
      "produktor-monitoring-node-exporter": [],
      "produktor-monitoring-postgres-exporter": ["postgres-monitor-password"],
      "produktor-monitoring-call-probe": ["probe-password"],
      "produktor-monitoring-alert-bot": ["alert-bot-password"],
      "produktor-synapse-synapse": [
        "form-secret",
        "macaroon-secret-key",
        "postgres-password",
        "registration-shared-secret",
        "turn-shared-secret",
      ],
    });
  });

  it("an Element Web setting replaces only Element Web", async () => {
    assert.deepEqual(await changedContainers("produktor", { element: { brand: "Produktor Chat" } }), [
      "element-web",
    ]);
  });

  it("rotating the LiveKit secret touches LiveKit and lk-jwt-service only, never coturn or Synapse", async () => {
    assert.deepEqual(await changedContainers("produktor", { secretRotation: { livekit: "2" } }), [
      "livekit",
      "lk-jwt",
    ]);
  });

  it("rotating the TURN secret touches exactly its consumers: Synapse, coturn, LiveKit, Jitsi prosody and the backup (homeserver.yaml)", async () => {
    assert.deepEqual(await changedContainers("produktor", { secretRotation: { turn: "2" } }), [
      "backup",
      "coturn",
      "jitsi-prosody",
      "livekit",
      "synapse",
    ]);
  });

  it("a relay range change touches coturn and Synapse's neighbours not at all", async () => {
    assert.deepEqual(
      await changedContainers("medex", {
        ports: { turnRelay: "49160-49250" },
        network: {
          routerForwards: [
            "tcp/80",
            "tcp/443",
            "udp/3478",
            "tcp/3478",
            "udp/49160-49250",
            "tcp/7881",
            "udp/50100-50200",
          ],
        },
      }),
      ["coturn"],
    );
  });
});
