export {
  ClientCredentialsTokenProvider,
  bearerAuth,
  type ClientCredentialsOptions,
  type TokenSource,
} from './token-provider.js';
