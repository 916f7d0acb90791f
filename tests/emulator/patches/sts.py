"""STS patches for moto 5.2.x.

AssumeRoleWithWebIdentity checks the length of its WebIdentityToken as the STS API reference
documents it (4 to 20,000 characters; moto accepts any, an empty one included), so a CI job that
hands the SDK an empty token file fails here as it would against AWS. The token's signature and
claims are still not verified: any token of a valid length is accepted.
"""

from moto.sts import responses as stsr
from moto.sts.exceptions import STSValidationError

# STS API reference, AssumeRoleWithWebIdentity: WebIdentityToken, length 4 to 20000.
TOKEN_MIN, TOKEN_MAX = 4, 20000


def apply() -> None:
    original = stsr.TokenResponse.assume_role_with_web_identity

    def assume_role_with_web_identity(self):  # type: ignore[no-untyped-def]
        token = self._get_param("WebIdentityToken") or ""
        if len(token) < TOKEN_MIN:
            raise STSValidationError(
                "1 validation error detected: Value at 'webIdentityToken' failed to satisfy "
                f"constraint: Member must have length greater than or equal to {TOKEN_MIN}")
        if len(token) > TOKEN_MAX:
            raise STSValidationError(
                "1 validation error detected: Value at 'webIdentityToken' failed to satisfy "
                f"constraint: Member must have length less than or equal to {TOKEN_MAX}")
        return original(self)

    stsr.TokenResponse.assume_role_with_web_identity = assume_role_with_web_identity
