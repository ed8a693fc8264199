/**
 * How GOV.UK Notify's answers map onto the provider interface (pure): HTTP errors and network
 * failures to temporary or permanent ProviderErrors, Notify's statuses to ours.
 */
import { type DeliveryStatus, ProviderError } from './provider.js';

interface NotifyErrorBody {
  status_code?: number;
  errors?: { error?: string; message?: string }[];
}

interface AxiosLikeError {
  isAxiosError?: boolean;
  code?: string;
  message?: string;
  response?: { status?: number; data?: unknown };
}

/** Notify's own words, e.g. "ValidationError: phone_number Not a UK mobile number". */
function describeBody(data: unknown): string | undefined {
  const body = data as NotifyErrorBody | undefined;
  const errors = Array.isArray(body?.errors) ? body.errors : [];
  const text = errors
    .map((item) => [item?.error, item?.message].filter((part) => typeof part === 'string').join(': '))
    .filter((part) => part !== '')
    .join('; ');
  return text === '' ? undefined : text.slice(0, 300);
}

export function classifyNotifyError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as AxiosLikeError;
  const status = failure.response?.status;
  if (typeof status === 'number') {
    const detail = describeBody(failure.response?.data) ?? `HTTP ${status}`;
    const temporary = status >= 500 || status === 429 || status === 408;
    return new ProviderError(
      temporary ? 'temporary' : 'permanent',
      `Notify answered ${status}: ${detail}`,
      status,
    );
  }
  if (failure.isAxiosError || typeof failure.code === 'string') {
    // No answer at all: refused, reset, timed out, DNS. Retrying may help.
    return new ProviderError(
      'temporary',
      `Notify unreachable: ${failure.code ?? failure.message ?? 'network error'}`,
    );
  }
  // Anything else is a fault in how we called the client: retrying the same call cannot help.
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError('permanent', `Notify client error: ${message.slice(0, 300)}`);
}

/**
 * Notify's statuses (email, SMS) to ours. `sent` is final for international SMS (no receipt
 * comes), so it counts as delivered; anything unknown counts as still on its way, which ends as a
 * failure when the give-up time passes.
 */
export function statusFromNotify(status: unknown): DeliveryStatus {
  switch (status) {
    case 'delivered':
    case 'sent':
      return 'delivered';
    case 'permanent-failure':
    case 'validation-failed':
    case 'virus-scan-failed':
      return 'permanent-failure';
    case 'temporary-failure':
      return 'temporary-failure';
    case 'technical-failure':
      return 'technical-failure';
    default:
      return 'sending';
  }
}
