/**
 * Settings every AWS SDK client uses against the local stand-ins: a fixed region and throwaway credentials (the
 * emulators accept any). Never used in AWS, where the Lambda role provides credentials.
 */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export const LOCAL_AWS_ENV = {
  AWS_REGION: LOCAL_AWS.region,
  AWS_DEFAULT_REGION: LOCAL_AWS.region,
  AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
  AWS_ACCOUNT_ID: '000000000000',
} as const;
