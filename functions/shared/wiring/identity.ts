import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from '#shared/zod';
import { CognitoDirectory } from '#shared/adapters/identity/cognito-directory';
import { KeycloakDirectory } from '#shared/adapters/identity/keycloak-directory';
import { LocalFileDirectory } from '#shared/adapters/identity/local-directory';
import { findEmployeeById } from '#shared/adapters/postgres/employees-repository';
import { findOrganizationById } from '#shared/adapters/postgres/organizations-repository';
import { ConfigurationError, envVar, loadConfig } from '#shared/config';
import { getPool } from '#shared/db/pool';
import type { IdentityDirectory, ProvisioningReads } from '#shared/use-cases/identity/provisioning';

/**
 * Composition root of the user-provisioning consumer (functions/events/provision-user): the identity provider's
 * directory named by USER_PROVISIONING (read when the consumer starts, so a wrong value fails its cold start) and the
 * mirror reads.
 */
const config = loadConfig({ USER_PROVISIONING: z.enum(['local', 'keycloak', 'cognito']) });

function directoryFromEnv(): IdentityDirectory {
  switch (config.USER_PROVISIONING) {
    case 'local':
      return new LocalFileDirectory(loadConfig({ IDENTITY_DIRECTORY_FILE: envVar.text() }).IDENTITY_DIRECTORY_FILE);
    case 'cognito':
      return new CognitoDirectory(loadConfig({ COGNITO_USER_POOL_ID: envVar.text() }).COGNITO_USER_POOL_ID);
    case 'keycloak': {
      const keycloak = loadConfig({
        KEYCLOAK_BASE_URL: envVar.url(),
        KEYCLOAK_REALM: envVar.text(),
        KEYCLOAK_PROVISIONING_CLIENT_ID: envVar.text(),
        KEYCLOAK_PROVISIONING_SECRET_ID: envVar.text(),
      });
      let secret: Promise<string> | undefined;
      const clientSecret = () =>
        (secret ??= getSecret<{ clientSecret?: string }>(keycloak.KEYCLOAK_PROVISIONING_SECRET_ID, { transform: 'json', maxAge: 300 }).then((value) => {
          if (!value?.clientSecret) throw new ConfigurationError(`Secret ${keycloak.KEYCLOAK_PROVISIONING_SECRET_ID} has no "clientSecret": store {"clientSecret": "..."} in it.`);
          return value.clientSecret;
        }));
      return new LazySecretKeycloak(keycloak, clientSecret);
    }
  }
}

/** Reads the client secret at the first event, not at import (Secrets Manager is a network call). */
class LazySecretKeycloak implements IdentityDirectory {
  private directory?: KeycloakDirectory;
  constructor(
    private readonly settings: { KEYCLOAK_BASE_URL: string; KEYCLOAK_REALM: string; KEYCLOAK_PROVISIONING_CLIENT_ID: string },
    private readonly clientSecret: () => Promise<string>,
  ) {}
  private async get(): Promise<KeycloakDirectory> {
    return (this.directory ??= new KeycloakDirectory({
      baseUrl: this.settings.KEYCLOAK_BASE_URL,
      realm: this.settings.KEYCLOAK_REALM,
      clientId: this.settings.KEYCLOAK_PROVISIONING_CLIENT_ID,
      clientSecret: await this.clientSecret(),
    }));
  }
  async createOrUpdateUser(...args: Parameters<IdentityDirectory['createOrUpdateUser']>) {
    return (await this.get()).createOrUpdateUser(...args);
  }
  async disableUser(email: string) {
    return (await this.get()).disableUser(email);
  }
}

export function provisioningDeps(): { reads: ProvisioningReads; directory: IdentityDirectory } {
  return {
    reads: { findEmployee: (id) => findEmployeeById(getPool(), id), findOrganization: (id) => findOrganizationById(getPool(), id) },
    directory: directoryFromEnv(),
  };
}
