# User-interface strings of the security-centre site (English).
lang-name = English
site-title = { $project } security centre
nav-home = Home
nav-bulletins = Bulletins
nav-canaries = Canaries
nav-tracker = Advisory tracker
nav-keys = Keys
nav-verify = Verifying
nav-team = Security team
nav-more = More pages
switch-language = Read this page in
skip-to-content = Skip to the content
generated-by = Built by secpack on { $date }.
# The decimal separator of numbers shown with decimals (percentages).
decimal-separator = .
offline-note = Every page of this site works without JavaScript and can be read offline.

trust-ok = The whole pack verified from the pinned master key { $master }.
trust-failed = Not everything in the pack verified from the pinned master key { $master }:
trust-counts = { $ok } of { $total } signed documents have enough valid signatures.

glance-title = At a glance
glance-latest-bulletin = Latest bulletin:
glance-no-bulletin = No bulletin has been published yet.
glance-latest-canary = Latest canary:
glance-report = Report a vulnerability: the form encrypts your report to the security team's key before it is stored.
glance-no-canary = No canary has been published yet.
glance-contact = Report a vulnerability to
glance-contact-encrypt = encrypted to the team key:
digests-intro = Release digest files that verify, with their signatures (check an image with secpack digest check):
digests-clearsigned = clear-signed

bulletins-title = Security bulletins
bulletins-intro = Each bulletin is published as plain text with one detached signature per signer. The state below is what secpack found when it built this site; check it yourself with the verification guide.
bulletins-feed = Subscribe to new bulletins (Atom feed)
col-number = Number
col-date = Date
col-title = Title
col-signers = Signers
col-state = Verification
col-affected = Affected
col-bulletin = Bulletin
col-notes = Notes
no-date = undated
no-title = (no title)
bulletin-heading = Bulletin { $id }
raw-file = Raw file
signature-of = Signature by { $who }
signature-files = Signature files
doc-ok = Verified: { $valid } valid signer(s), { $required } required.
doc-not-ok = NOT verified: { $valid } valid signer(s), { $required } required.
sig-unnamed = unnamed
back-to-list = Back to the list

canaries-title = Warrant canaries
canaries-intro = A canary is a signed statement the team publishes on a fixed schedule. Take special note when a new one does not appear in time, or when its statements change without explanation.
canaries-feed = Subscribe to new canaries (Atom feed)
canary-heading = Canary { $number }
canary-latest = The latest canary is number { $number }, dated { $date }.
canary-next-due = The next canary is promised by { $date }.
canary-next-unknown = The latest canary does not say when the next one will be published.
canary-overdue = OVERDUE: the next canary was promised by { $date } and has not been published ({ $days } day(s) late).
canary-none = This pack holds no canary.
canary-findings = Audit findings
canary-no-findings = The audit found nothing to report.
col-bulletins-count = Bulletins stated
col-next-window = Next canary promised

tracker-title = { $upstream } advisory tracker
tracker-intro = One row per { $upstream } security advisory: whether it affects { $project }, and the bulletin that covers it when it does.
tracker-none = This pack has no advisory tracker, so there is nothing to show here.
tracker-stats = From { $first } to { $last }, { $published } advisories were published; { $affected } of them affected { $project } ({ $percent } %).
tracker-tba = { $count ->
    [one] { $count } advisory is still being assessed.
   *[other] { $count } advisories are still being assessed.
}
affected-yes = yes
affected-no = no
affected-tba = to be announced
unused = unused

keys-title = Signing keys
keys-intro = Trust in this pack comes from one fingerprint: the master key's, which you must obtain from a source other than this site. Every other key is trusted only because the master key certifies it.
keys-master = Master key fingerprint (pinned for this build):
keys-role = Keys with role “{ $role }”
col-file = File
col-fingerprint = Fingerprint
col-status = Status
col-user-ids = User IDs
key-retired = retired
key-revoked = revoked
keys-how-to-check = How to check: compare the master fingerprint above with the one you obtained independently, then let secpack or GnuPG check the certifications, as the verification guide explains.

verify-title = Verifying signatures
verify-intro = Do not take this site's word for it: verify the pack on your own computer.
verify-secpack-heading = With secpack
verify-secpack-text = Clone the pack and run one command, giving the master fingerprint you obtained out of band. With --history it also checks that a team member's signed tag vouches for the newest commit and the commits before it, and that your copy is not older than the one you verified last:
verify-gpg-heading = With GnuPG, by hand
verify-gpg-step1 = Import the master key and compare its fingerprint with the one you trust:
verify-gpg-step2 = Mark the master key as trusted (only after checking its fingerprint):
verify-gpg-step3 = Import the team's keys; GnuPG shows which ones the master key certifies:
verify-gpg-step4 = Verify each signature against its document:
verify-gpg-step-tag = Check that a team member's signed tag (named after the signer and the commit, like alice_sec_1a2b3c4) points to the newest commit, with the team's keys imported:
verify-gpg-step5 = Every signature must be reported as good, by a key certified by the master key.

team-title = Security team
team-intro = The people who triage reports, write bulletins and sign canaries.
team-current = Current members
team-emeritus = Former members
team-none = The pack does not list its team members.
team-contact-before = Report a security issue to
team-contact-after = , encrypted to the team key:
col-name = Name
col-role = Role
col-signer = Signs as

redirect-title = This page has moved
redirect-text = This page is now at

# Trust engine codes (secpack::trust::verdict), one label each.
sig-status-valid = good signature
sig-status-bad = does not match the document
sig-status-unknown-key = made by a key that is not in the pack
sig-status-untrusted-key = made by a key the master key does not certify
sig-status-revoked-key = made by a revoked key
sig-status-expired-key = made by a key that had expired
sig-status-malformed = not a readable signature
sig-status-rejected-algorithm = algorithm too weak to trust
sig-status-unsigned = no signature
sig-status-not-a-document-signature = not a document signature (a key or certification signature)
sig-status-expired-signature = the signature has expired
sig-status-extra-content = text outside what the signature covers
sig-status-hash-header-mismatch = Hash header disagrees with the signature
sig-warning-weak-hash = weak hash (SHA-1)
sig-warning-binding-after-signature = key binding renewed after signing
sig-warning-signer-name-mismatch = signed by someone other than the file name says
sig-warning-wrong-role = key of a role that should not sign here
sig-warning-nonstandard-name = unusual signature file name
sig-warning-retired-key = key now retired
key-status-master = master key
key-status-certified = certified by the master key
key-status-uncertified = not certified by the master key
key-status-certification-revoked = certification revoked
key-status-malformed = unreadable key
key-status-duplicate = duplicate of another key file
technical-detail = technical detail

# The server's own pages (secpack serve): the report form, the receipt, the
# status page and error pages.
report-title = Report a vulnerability
report-key = Your report is encrypted on arrival to the security team's key
report-key-only-team = Only the team can read it.
report-unavailable = Report intake is unavailable right now.
report-summary = Summary (one line)
report-affected = Affected versions
report-details = Details: what you found, how to reproduce it, its impact
report-contact = How to reach you (optional)
report-public-key = Your OpenPGP public key, to encrypt the team's replies to (optional; without it, replies are encrypted to a key only your codename opens)
report-attachment = Attachment (optional, at most { $max } bytes)
report-send = Send the report
receipt-title = Report received
receipt-encrypted = Thank you. Your report was encrypted to the security team's key and stored; the key is
receipt-id = Your receipt id is
receipt-received = received
receipt-quote = Quote it when you write to the team about this report.
receipt-codename = Your codename is
receipt-codename-once = Write it down now: it is shown only once and the server does not keep it. Anyone who has it can read the replies.
receipt-status-link = The status page
receipt-status-use = with your codename, it shows where your report stands and the team's replies, and lets you add a message.
status-title = Your report
status-intro = Give the codename shown on your receipt to see where your report stands and the security team's replies.
status-codename = Codename
status-show = Show my report
# What ends a label before its value ("State: confirmed").
label-colon = :
status-state = State
status-bulletin = Published in
status-replies = Replies from the security team
status-no-replies = No reply yet.
status-certified = signed by a certified key of the security team
status-uncertified = NOT signed by a certified key of the security team: do not trust it
status-own-key = This reply is encrypted to your own OpenPGP key; decrypt it with gpg --decrypt.
status-follow-up = Add a message for the team
status-message = Message
status-send = Send
status-sent = Your message was encrypted to the security team's key and stored.
status-unknown = No report has this codename. Check it against your receipt.
report-state-received = received
report-state-triaged = triaged: the team has read and assessed it
report-state-confirmed = confirmed: the vulnerability is real
report-state-fixed = fixed
report-state-published = published
report-state-rejected = rejected
error-title = Error
error-code = Error code:
