import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/stages';

/**
 * Customer-managed keys and the application secrets (ADR 0005).
 *
 * - `secretsKey` encrypts every secret: decrypting one needs both the secret's resource grant and this key through
 *   Secrets Manager, each use is in CloudTrail, and disabling the key revokes all of them at once.
 * - `storageKey` encrypts Aurora (storage, backups, Performance Insights): a CMK is required to share snapshots
 *   with a recovery account.
 *
 * Secret values never appear in templates: each secret starts with a generated value and operators put the real
 * one (docs/operations.md, "Secrets").
 */
export class PlatformSecrets extends Construct {
  readonly secretsKey: kms.Key;
  readonly storageKey: kms.Key;
  /** JSON `{ "username", "password", "signingSecret" }` issued by Abhi. */
  readonly abhiCredentials: secretsmanager.Secret;
  /** JSON `{ "secret": "..." }`: HMAC key Abhi signs its webhooks with (shared with Abhi). */
  readonly webhookSecret: secretsmanager.Secret;
  /**
   * JSON `{ "key": "<base64 of 32 bytes>" }`: AES-256-GCM key of the application-level encryption of account numbers
   * and Emirates IDs (functions/shared/crypto/field-encryption.ts). Secrets Manager generates 43 characters of the
   * base64 alphabet, which decode to 32 random bytes.
   */
  readonly dataKey: secretsmanager.Secret;
  /**
   * JSON `{ "key": "<base64 of 32 bytes>" }`: AES-256-GCM key sealing the fleet's Abhi access token in the state table
   * (ADR 0033). Readable by the functions that call Abhi only, not by those that hold personal data alone.
   */
  readonly abhiTokenKey: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: { config: StageConfig }) {
    super(scope, id);
    const { config } = props;
    const removalPolicy = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.secretsKey = new kms.Key(this, 'SecretsKey', {
      alias: `alias/${config.prefix}/secrets`,
      description: `${config.prefix}: encrypts the application secrets and the RDS-managed master secret`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });
    this.storageKey = new kms.Key(this, 'StorageKey', {
      alias: `alias/${config.prefix}/storage`,
      description: `${config.prefix}: encrypts Aurora storage, backups and Performance Insights`,
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: Duration.days(30),
    });

    this.abhiCredentials = new secretsmanager.Secret(this, 'AbhiCredentials', {
      secretName: `${config.prefix}/abhi/credentials`,
      description: 'Abhi Open API login (username, password) and request-signing secret. Operators set the real values.',
      encryptionKey: this.secretsKey,
      removalPolicy,
      // A generated placeholder: the login fails (and AbhiLoginFailures alarms) until operators put the real values.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'SET-BY-OPERATOR', signingSecret: '' }),
        generateStringKey: 'password',
        passwordLength: 32,
        excludePunctuation: true,
      },
    });
    Validations.of(this.abhiCredentials).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Abhi issues these credentials; they cannot be rotated by a Lambda. Rotation is a runbook step (docs/operations.md): put the new value, the fleet re-reads it within 5 minutes.',
    });

    this.webhookSecret = new secretsmanager.Secret(this, 'WebhookSecret', {
      secretName: `${config.prefix}/abhi/webhook-hmac`,
      description: 'HMAC-SHA256 key of the webhooks Abhi sends; shared with Abhi.',
      encryptionKey: this.secretsKey,
      removalPolicy,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'secret', passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.webhookSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Shared with Abhi: rotating it needs Abhi to switch keys at the same time. Rotation is a coordinated runbook step (docs/operations.md) with an overlap window.',
    });

    this.dataKey = this.aesKeySecret('DataKey', {
      secretName: `${config.prefix}/data-encryption-key`,
      description: 'Application-level encryption key ring for account numbers and Emirates IDs.',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.dataKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'An encryption key, not a password: replacing it automatically would make every stored ciphertext unreadable. Rotation is a runbook step (docs/operations.md): new key active, old key kept for decryption until a re-encryption run finishes.',
    });

    this.abhiTokenKey = this.aesKeySecret('AbhiTokenKey', {
      secretName: `${config.prefix}/abhi/token-key`,
      description: "Key sealing the fleet's Abhi access token in the state table.",
      // It seals a token that lives a day at most: losing it costs one fleet login, never data.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.abhiTokenKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'An encryption key read by a running fleet: a replacement is listed beside the old one (previousKeys) for a day, the life of a sealed token. Rotation is a runbook step (docs/operations.md).',
    });
  }

  /**
   * A secret JSON `{ "key": ... }` holding an AES-256 key: Secrets Manager generates 43 characters of the base64
   * alphabet, which the key ring (functions/shared/crypto/secret-keyring.ts) decodes to 32 random bytes.
   */
  private aesKeySecret(id: string, props: { secretName: string; description: string; removalPolicy: RemovalPolicy }): secretsmanager.Secret {
    return new secretsmanager.Secret(this, id, {
      ...props,
      encryptionKey: this.secretsKey,
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'key', passwordLength: 43, excludePunctuation: true, includeSpace: false },
    });
  }
}
