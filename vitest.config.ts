import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run; tests get its endpoint via inject('dynamoEndpoint').
    globalSetup: ['test/support/global-setup.ts'],
    // The Lambdas run Node 22; the SDK's notice about this machine's Node 20 is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
