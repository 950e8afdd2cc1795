import { UnprocessableEntityException } from '@nestjs/common';
import { CountryCode, isValidPhoneNumber, parsePhoneNumberWithError, ParseError } from 'libphonenumber-js';

const REASONS: Record<string, string> = {
  INVALID_COUNTRY: 'it has no country code and the account has no default country',
  NOT_A_NUMBER: 'it is not a phone number',
  TOO_SHORT: 'it is too short',
  TOO_LONG: 'it is too long',
  INVALID_LENGTH: 'it has the wrong number of digits',
};

/** Parses a phone number as a person typed it (national format in the account's country, or +country code) to E.164. */
export function toE164(input: string, defaultCountry: string): string {
  try {
    const parsed = parsePhoneNumberWithError(input.trim(), { defaultCountry: defaultCountry as CountryCode });
    if (!parsed.isValid())
      throw new UnprocessableEntityException(
        `Phone number "${input}" is not valid for ${parsed.country ?? defaultCountry}`,
      );
    // A few national numbers (Vatican ones under Italy's +39, say) are valid only with their country known; stored
    // as E.164 they would no longer read as valid, so they could never be matched or texted.
    if (!isValidPhoneNumber(parsed.number))
      throw new UnprocessableEntityException(
        `Phone number "${input}" is not valid in international format (${parsed.number})`,
      );
    return parsed.number;
  } catch (e) {
    if (e instanceof ParseError)
      throw new UnprocessableEntityException(
        `Phone number "${input}" cannot be read: ${REASONS[e.message] ?? e.message}`,
      );
    throw e;
  }
}
