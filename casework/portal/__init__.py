"""The beneficiary's side of an association's site, on a phone, without a staff account: the public
pages, applying online, signing in with a one-time code sent by SMS, following one's requests,
sending a missing document and rating the service (and the older secret links sent by SMS)."""
