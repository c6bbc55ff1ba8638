import {
  classifyHttpStatus,
  classifyTransportError,
  ProviderError,
  unknownProviderFailure,
} from '../errors.ts';

/** What @sendgrid/mail's errors mean, in the taxonomy of errors.ts. Its ResponseError carries the HTTP status as `code`. */
export function classifySendGridError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const transport = classifyTransportError('sendgrid', error);
  if (transport) return transport;
  const status = (error as { code?: unknown }).code;
  return typeof status === 'number'
    ? classifyHttpStatus('sendgrid', status)
    : unknownProviderFailure('sendgrid', error);
}
