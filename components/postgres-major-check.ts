import * as pulumi from "@pulumi/pulumi";
import { OrgConfig } from "../config/model";
import { formatProblem, problem } from "../config/problems";
import { POSTGRES_DATA_DIR } from "../facts/postgres";
import { imageVersion } from "../facts/versions";
import { dockerName } from "../model/topology";
import { PostgresMajorCheckInputs } from "./postgres-major-check-provider";
import { providerText } from "./provider-text";

/** Fails `pulumi preview` and `pulumi up` when `images.postgres` is another major than the data (the provider). */
export class PostgresMajorCheck extends pulumi.CustomResource {
  constructor(name: string, org: OrgConfig, opts: pulumi.CustomResourceOptions) {
    const major = imageVersion(org.images.postgres)?.major;
    const inputs: PostgresMajorCheckInputs = {
      dockerHost: org.docker.host,
      container: dockerName(org.stack, "postgres"),
      dataDir: POSTGRES_DATA_DIR,
      imageMajor: major,
      mismatch: formatProblem(
        problem(
          org.stack,
          "images.postgres",
          `'${org.images.postgres}' is PostgreSQL ${major}, but the database on ${org.docker.host} is PostgreSQL {data}: a server does not start on another major's data, so the organisation would stop`,
          `keep images.postgres at PostgreSQL {data}, or move the data first: ./fleet postgres-upgrade --stack ${org.stack} --to ${org.images.postgres} (docs/upgrades.md)`,
        ),
      ),
    };
    const __provider = providerText("components/postgres-major-check-provider", "PostgresMajorCheckProvider");
    // The dynamic provider is the resource's own: the Docker provider of the options must not be handed on.
    super(
      "pulumi-nodejs:dynamic/matrix-fleet:PostgresMajorCheck",
      name,
      { ...inputs, __provider },
      {
        parent: opts.parent,
        dependsOn: opts.dependsOn,
      },
    );
  }
}
