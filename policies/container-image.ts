import type { Partition } from "./arns.ts";

/** A private ECR repository, as named by an image reference. */
export interface EcrRepository {
  account: string;
  region: string;
  name: string;
}

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([a-z0-9][a-z0-9._/-]*?)(?::[\w.-]+|@sha256:[0-9a-f]{64})$/;

/**
 * The private ECR repository an image is pulled from, or undefined for any other registry (ECR Public, Docker
 * Hub, …), which needs no IAM permission to pull. Only a private ECR image needs the execution role to pull.
 */
export function ecrRepositoryOf(image: string): EcrRepository | undefined {
  const match = ECR_IMAGE.exec(image);
  if (match === null) return undefined;
  return { account: match[1], region: match[2], name: match[3] };
}

export function ecrRepositoryArn(partition: Partition, repository: EcrRepository): string {
  return `arn:${partition}:ecr:${repository.region}:${repository.account}:repository/${repository.name}`;
}
