# Textes de l'interface du site du centre de sécurité (français).
lang-name = Français
site-title = Centre de sécurité de { $project }
nav-home = Accueil
nav-bulletins = Bulletins
nav-canaries = Canaris
nav-tracker = Suivi des avis
nav-keys = Clés
nav-verify = Vérifier
nav-team = Équipe de sécurité
nav-more = Autres pages
switch-language = Lire cette page en
skip-to-content = Aller au contenu
generated-by = Construit par secpack le { $date }.
# Le séparateur décimal des nombres à décimales (pourcentages).
decimal-separator = ,
offline-note = Toutes les pages de ce site fonctionnent sans JavaScript et se lisent hors ligne.

trust-ok = Tout le paquet a été vérifié à partir de la clé maîtresse épinglée { $master }.
trust-failed = Une partie du paquet n'a pas pu être vérifiée à partir de la clé maîtresse épinglée { $master } :
trust-counts = { $ok } document(s) signé(s) sur { $total } portent assez de signatures valides.

glance-title = En bref
glance-latest-bulletin = Dernier bulletin :
glance-no-bulletin = Aucun bulletin n'a encore été publié.
glance-latest-canary = Dernier canari :
glance-report = Signaler une vulnérabilité : le formulaire chiffre votre signalement avec la clé de l'équipe de sécurité avant de l'enregistrer.
glance-no-canary = Aucun canari n'a encore été publié.
glance-contact = Signaler une vulnérabilité à
glance-contact-encrypt = en chiffrant pour la clé de l'équipe :
digests-intro = Fichiers d'empreintes des versions publiées qui se vérifient, avec leurs signatures (vérifiez une image avec secpack digest check) :
digests-clearsigned = signé en clair

bulletins-title = Bulletins de sécurité
bulletins-intro = Chaque bulletin est publié en texte brut, avec une signature détachée par signataire. L'état ci-dessous est celui que secpack a constaté en construisant ce site ; vérifiez-le vous-même à l'aide du guide de vérification.
bulletins-feed = S'abonner aux nouveaux bulletins (flux Atom)
col-number = Numéro
col-date = Date
col-title = Titre
col-signers = Signataires
col-state = Vérification
col-affected = Concerné
col-bulletin = Bulletin
col-notes = Remarques
no-date = non daté
no-title = (sans titre)
bulletin-heading = Bulletin { $id }
raw-file = Fichier brut
signature-of = Signature de { $who }
signature-files = Fichiers de signature
doc-ok = Vérifié : { $valid } signataire(s) valide(s), { $required } requis.
doc-not-ok = NON vérifié : { $valid } signataire(s) valide(s), { $required } requis.
sig-unnamed = sans nom
back-to-list = Retour à la liste

canaries-title = Canaris de mandat
canaries-intro = Un canari est une déclaration signée que l'équipe publie selon un calendrier fixe. Soyez attentif si un nouveau canari ne paraît pas à temps, ou si ses déclarations changent sans explication.
canaries-feed = S'abonner aux nouveaux canaris (flux Atom)
canary-heading = Canari { $number }
canary-latest = Le dernier canari porte le numéro { $number } et date du { $date }.
canary-next-due = Le prochain canari est promis au plus tard le { $date }.
canary-next-unknown = Le dernier canari ne dit pas quand paraîtra le suivant.
canary-overdue = EN RETARD : le prochain canari était promis au plus tard le { $date } et n'a pas été publié ({ $days } jour(s) de retard).
canary-none = Ce paquet ne contient aucun canari.
canary-findings = Constats de l'audit
canary-no-findings = L'audit n'a rien relevé.
col-bulletins-count = Bulletins déclarés
col-next-window = Prochain canari promis

tracker-title = Suivi des avis de sécurité { $upstream }
tracker-intro = Une ligne par avis de sécurité { $upstream } : s'il concerne { $project } et, le cas échéant, le bulletin qui le traite.
tracker-none = Ce paquet n'a pas de suivi des avis : il n'y a rien à afficher ici.
tracker-stats = Du { $first } au { $last }, { $published } avis ont été publiés ; { $affected ->
    [one] { $affected } d'entre eux concernait
   *[other] { $affected } d'entre eux concernaient
} { $project } ({ $percent } %).
tracker-tba = { $count ->
    [one] { $count } avis est encore en cours d'évaluation.
   *[other] { $count } avis sont encore en cours d'évaluation.
}
affected-yes = oui
affected-no = non
affected-tba = à annoncer
unused = inutilisé

keys-title = Clés de signature
keys-intro = La confiance dans ce paquet vient d'une seule empreinte : celle de la clé maîtresse, que vous devez obtenir par une autre source que ce site. Toute autre clé n'est digne de confiance que parce que la clé maîtresse la certifie.
keys-master = Empreinte de la clé maîtresse (épinglée pour cette construction) :
keys-role = Clés de rôle « { $role } »
col-file = Fichier
col-fingerprint = Empreinte
col-status = État
col-user-ids = Identités
key-retired = retirée
key-revoked = révoquée
keys-how-to-check = Pour vérifier : comparez l'empreinte maîtresse ci-dessus à celle que vous avez obtenue de façon indépendante, puis laissez secpack ou GnuPG contrôler les certifications, comme l'explique le guide de vérification.

verify-title = Vérifier les signatures
verify-intro = Ne vous fiez pas à ce site : vérifiez le paquet sur votre propre ordinateur.
verify-secpack-heading = Avec secpack
verify-secpack-text = Clonez le paquet et lancez une seule commande, en donnant l'empreinte maîtresse obtenue par un autre canal. Avec --history, elle vérifie aussi qu'une étiquette signée par un membre de l'équipe garantit le dernier commit et ceux qui le précèdent, et que votre copie n'est pas plus ancienne que celle que vous avez vérifiée la dernière fois :
verify-gpg-heading = Avec GnuPG, à la main
verify-gpg-step1 = Importez la clé maîtresse et comparez son empreinte à celle en laquelle vous avez confiance :
verify-gpg-step2 = Accordez votre confiance à la clé maîtresse (seulement après avoir vérifié son empreinte) :
verify-gpg-step3 = Importez les clés de l'équipe ; GnuPG indique celles que la clé maîtresse certifie :
verify-gpg-step4 = Vérifiez chaque signature avec son document :
verify-gpg-step-tag = Vérifiez qu'une étiquette signée par un membre de l'équipe (nommée d'après le signataire et le commit, comme alice_sec_1a2b3c4) désigne le dernier commit, les clés de l'équipe étant importées :
verify-gpg-step5 = Chaque signature doit être déclarée bonne, faite par une clé certifiée par la clé maîtresse.

team-title = Équipe de sécurité
team-intro = Les personnes qui trient les signalements, rédigent les bulletins et signent les canaris.
team-current = Membres actuels
team-emeritus = Anciens membres
team-none = Le paquet ne liste pas les membres de son équipe.
team-contact-before = Signalez un problème de sécurité à
team-contact-after = , en le chiffrant pour la clé de l'équipe :
col-name = Nom
col-role = Rôle
col-signer = Signe en tant que

redirect-title = Cette page a déménagé
redirect-text = Cette page se trouve désormais à l'adresse

# Codes du moteur de confiance (secpack::trust::verdict), un libellé chacun.
sig-status-valid = signature valide
sig-status-bad = ne correspond pas au document
sig-status-unknown-key = faite par une clé absente du paquet
sig-status-untrusted-key = faite par une clé que la clé maîtresse ne certifie pas
sig-status-revoked-key = faite par une clé révoquée
sig-status-expired-key = faite par une clé expirée
sig-status-malformed = signature illisible
sig-status-rejected-algorithm = algorithme trop faible pour être fiable
sig-status-unsigned = aucune signature
sig-status-not-a-document-signature = pas une signature de document (signature de clé ou de certification)
sig-status-expired-signature = la signature a expiré
sig-status-extra-content = du texte hors de ce que couvre la signature
sig-status-hash-header-mismatch = en-tête Hash en désaccord avec la signature
sig-warning-weak-hash = condensat faible (SHA-1)
sig-warning-binding-after-signature = liaison de la clé renouvelée après la signature
sig-warning-signer-name-mismatch = signée par une autre personne que celle du nom de fichier
sig-warning-wrong-role = clé d'un rôle qui ne devrait pas signer ici
sig-warning-nonstandard-name = nom de fichier de signature inhabituel
sig-warning-retired-key = clé désormais retirée
key-status-master = clé maîtresse
key-status-certified = certifiée par la clé maîtresse
key-status-uncertified = non certifiée par la clé maîtresse
key-status-certification-revoked = certification révoquée
key-status-malformed = clé illisible
key-status-duplicate = copie d'un autre fichier de clé
technical-detail = détail technique

# Les pages du serveur (secpack serve) : le formulaire de signalement,
# l'accusé de réception, la page de suivi et les pages d'erreur.
report-title = Signaler une vulnérabilité
report-key = Votre signalement est chiffré dès son arrivée avec la clé de l'équipe de sécurité
report-key-only-team = Seule l'équipe peut le lire.
report-unavailable = La réception des signalements est indisponible pour le moment.
report-summary = Résumé (une ligne)
report-affected = Versions concernées
report-details = Détails : ce que vous avez trouvé, comment le reproduire, son impact
report-contact = Comment vous joindre (facultatif)
report-public-key = Votre clé publique OpenPGP, pour chiffrer les réponses de l'équipe (facultatif ; sans elle, les réponses sont chiffrées avec une clé que seul votre nom de code ouvre)
report-attachment = Pièce jointe (facultative, { $max } octets au plus)
report-send = Envoyer le signalement
receipt-title = Signalement reçu
receipt-encrypted = Merci. Votre signalement a été chiffré avec la clé de l'équipe de sécurité et enregistré ; la clé est
receipt-id = Votre numéro d'accusé de réception est
receipt-received = reçu le
receipt-quote = Citez-le quand vous écrivez à l'équipe au sujet de ce signalement.
receipt-codename = Votre nom de code est
receipt-codename-once = Notez-le maintenant : il n'est montré qu'une fois et le serveur ne le garde pas. Quiconque le détient peut lire les réponses.
receipt-status-link = La page de suivi
receipt-status-use = avec votre nom de code, elle montre où en est votre signalement et les réponses de l'équipe, et vous permet d'ajouter un message.
status-title = Votre signalement
status-intro = Saisissez le nom de code de votre accusé de réception pour voir où en est votre signalement et les réponses de l'équipe de sécurité.
status-codename = Nom de code
status-show = Voir mon signalement
# Ce qui suit une étiquette (« État : confirmé ») : une espace fine
# insécable avant les deux-points, selon l'usage français.
label-colon = {"\u202F"}:
status-state = État
status-bulletin = Publié dans
status-replies = Réponses de l'équipe de sécurité
status-no-replies = Pas encore de réponse.
status-certified = signée par une clé certifiée de l'équipe de sécurité
status-uncertified = NON signée par une clé certifiée de l'équipe de sécurité : ne vous y fiez pas
status-own-key = Cette réponse est chiffrée pour votre propre clé OpenPGP ; déchiffrez-la avec gpg --decrypt.
status-follow-up = Ajouter un message pour l'équipe
status-message = Message
status-send = Envoyer
status-sent = Votre message a été chiffré pour la clé de l'équipe de sécurité et enregistré.
status-unknown = Aucun signalement n'a ce nom de code. Vérifiez-le sur votre accusé de réception.
report-state-received = reçu
report-state-triaged = examiné par l'équipe
report-state-confirmed = confirmé : la vulnérabilité est réelle
report-state-fixed = corrigé
report-state-published = publié
report-state-rejected = rejeté
error-title = Erreur
error-code = Code d'erreur :
