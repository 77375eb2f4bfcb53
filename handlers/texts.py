"""Every user-facing string of the bot, in Danish and English.

One dictionary: ``TEXTS[key][language]``, formatted with :func:`t`. Keys are grouped by the
feature that uses them, each group in its own marked section; add a section for a new feature
rather than putting strings in code. Texts are plain; chat adapters escape and render them.
"""

from __future__ import annotations

from handlers.messages import Language

TEXTS: dict[str, dict[Language, str]] = {}


def t(key: str, lang: Language = "da", **kw: object) -> str:
    """The text ``key`` in ``lang`` (Danish when there is no English), formatted with ``kw``."""
    texts = TEXTS[key]
    text = texts.get(lang) or texts["da"]
    return text.format(**kw) if kw else text


def _add(group: dict[str, dict[Language, str]]) -> None:
    duplicates = TEXTS.keys() & group.keys()
    if duplicates:
        raise KeyError(f"text keys defined twice: {sorted(duplicates)}")
    TEXTS.update(group)


# --- ask: answers, declines, bad input (handlers/ask.py; laid out by bot/*_render.py) ---------
_add(
    {
        "ask.source": {
            "da": "Kilde: {organization} · {document} · {section}",
            "en": "Source: {organization} · {document} · {section}",
        },
        "ask.quote": {"da": "Citat: “{quote}”", "en": "Quote (in Danish): “{quote}”"},
        "ask.decline": {
            "da": (
                "Det kan jeg desværre ikke finde et svar på i grundlagene eller personalepolitikken. "
                "Spørg din nærmeste leder eller HR. Handler det om dine rettigheder som ansat, "
                "kan du også tale med din tillidsrepræsentant."
            ),
            "en": (
                "Sorry, I could not find an answer to that in the foundations or the personnel "
                "policy. Please ask your own leader or HR. If it is about your rights as an employee, "
                "you can also talk to your union representative (tillidsrepræsentant)."
            ),
        },
        "ask.suggestions": {"da": "Mente du:", "en": "Did you mean:"},
        "ask.suggestion": {"da": "• {title} ({organization})", "en": "• {title} ({organization})"},
        "ask.contacts": {
            "da": "Hvem du kan kontakte: {answer}",
            "en": "Whom to contact: {answer}",
        },
        "ask.general_contacts": {
            "da": ("Tal med din nærmeste leder, din arbejdsmiljørepræsentant eller din tillidsrepræsentant."),
            "en": "Talk to your leader, your working-environment representative or your union representative.",
        },
        "ask.other_organization": {
            "da": "Fra {organization}, som du spurgte om:",
            "en": "From {organization}, as you asked:",
        },
        "ask.contacts_source": {
            "da": "(Kilde: {organization} · {document} · {section})",
            "en": "(Source: {organization} · {document} · {section})",
        },
        "ask.empty": {
            "da": "Skriv dit spørgsmål, fx: “Hvem skal jeg kontakte om mobning?”",
            "en": "Please type your question, for example: “Who do I contact about bullying?”",
        },
        "ask.unreadable": {
            "da": "Jeg kunne ikke læse din besked. Skriv dit spørgsmål som almindelig tekst.",
            "en": "I could not read your message. Please type your question as plain text.",
        },
        "ask.unknown_organization": {
            "da": "Jeg kender ikke organisationen “{name}”. Jeg kender: {known}.",
            "en": "I do not know the organisation “{name}”. I know: {known}.",
        },
        "ask.greeting": {
            "da": (
                "Hej! Spørg mig om jeres leder- og medarbejdergrundlag eller personale- og "
                "arbejdsmiljøpolitikken, fx “Hvem skal jeg kontakte om mobning?”. Skriv “hjælp” for flere eksempler."
            ),
            "en": (
                "Hi! Ask me about your leader and employee foundation or the personnel and working-environment "
                "policy, for example “Who do I contact about bullying?”. Type “help” for more examples."
            ),
        },
        "ask.thanks": {
            "da": "Selv tak! Spørg bare, hvis der er mere.",
            "en": "You're welcome! Just ask if there is anything else.",
        },
    }
)

# --- followup: answers that continue the previous one (handlers/followup.py) ------------------
_add(
    {
        "followup.continued": {"da": "Fortsat fra svaret før:", "en": "Continuing the previous answer:"},
        "followup.see_also": {"da": "Se også:", "en": "See also:"},
        "followup.related": {"da": "• {title} ({organization})", "en": "• {title} ({organization})"},
        "followup.not_found": {
            "da": "Om “{title}” har jeg ikke fundet noget hos {organization}.",
            "en": "I found nothing on “{title}” for {organization}.",
        },
    }
)

# --- chat: the terminal chat (grundlagbot chat) ------------------------------------------------
_add(
    {
        "chat.welcome": {
            "da": (
                "Hej! Spørg mig om leder- og medarbejdergrundlag og personalepolitik. "
                "Skriv “farvel” for at stoppe."
            ),
            "en": "Hi! Ask me about the leader and employee foundations and the personnel policy.",
        },
        "chat.prompt": {"da": "Dig> ", "en": "You> "},
        "chat.goodbye": {"da": "Farvel – og god dag!", "en": "Goodbye!"},
    }
)

# --- help: what the bot can do (handlers/help.py) ----------------------------------------------
_add(
    {
        "help.title": {"da": "Hjælp", "en": "Help"},
        "help.intro": {
            "da": (
                "Jeg svarer på spørgsmål om leder- og medarbejdergrundlag og personale- og "
                "arbejdsmiljøpolitik, og jeg fortæller altid, hvor svaret står. Skriv til mig, "
                "nævn mig i en kanal eller brug /grundlag. Du må gerne skrive på engelsk."
            ),
            "en": (
                "I answer questions about the leader and employee foundations and the personnel and "
                "working-environment policy, and I always tell you where the answer is written. "
                "Message me, mention me in a channel or use /grundlag. Danish or English is fine."
            ),
        },
        "help.examples": {"da": "Du kan for eksempel spørge:", "en": "For example, ask:"},
        "help.commands": {
            "da": (
                "Kommandoer:\n"
                "• hjælp – denne besked\n"
                "• tema – ugens tema\n"
                "• årshjul – de næste punkter på MED-årshjulet\n"
                "• abonner [organisation] – ugens tema i denne kanal hver uge; afmeld – stop igen"
            ),
            "en": (
                "Commands:\n"
                "• help – this message\n"
                "• tema – this week's theme\n"
                "• årshjul – the next items of the MED annual wheel\n"
                "• abonner [organisation] – this week's theme in this channel every week; "
                "afmeld – stop it again"
            ),
        },
        "help.admin": {
            "da": "Administratorer: reload – indlæs vidensfilerne igen; status; stats – anonym statistik",
            "en": "Administrators: reload – reload the knowledge files; status; stats – anonymous statistics",
        },
        "help.share_slack": {
            "da": (
                "Svar på /grundlag ses kun af dig. Tryk “Del i kanalen” under svaret, eller skriv "
                "--del til sidst i spørgsmålet, så ser kanalen det også."
            ),
            "en": (
                "Answers to /grundlag are shown only to you. Press “Share in channel” under the "
                "answer, or end your question with --del, to show it to the channel."
            ),
        },
    }
)

# --- feedback: 👍/👎 under an answer (handlers/feedback.py) -------------------------------------
_add(
    {
        "feedback.thanks_up": {
            "da": "Tak for din feedback! Godt at svaret kunne bruges.",
            "en": "Thank you for your feedback! Glad the answer helped.",
        },
        "feedback.thanks_down": {
            "da": "Tak for din feedback. Vi bruger den til at gøre svarene bedre.",
            "en": "Thank you for your feedback. We use it to improve the answers.",
        },
        "feedback.unknown": {
            "da": "Det svar findes ikke længere, så din feedback blev ikke gemt. Prøv at spørge igen.",
            "en": "That answer no longer exists, so your feedback was not saved. Please ask again.",
        },
    }
)

# --- slack: Block Kit labels (bot/slack_render.py) ---------------------------------------------
_add(
    {
        "slack.did_you_mean": {"da": "Mente du…", "en": "Did you mean…"},
        "slack.feedback_up": {"da": "👍 Brugbart", "en": "👍 Helpful"},
        "slack.feedback_down": {"da": "👎 Ikke brugbart", "en": "👎 Not helpful"},
        "slack.share": {"da": "Del i kanalen", "en": "Share in channel"},
        "slack.more": {"da": "… og {count} linjer mere", "en": "… and {count} more lines"},
    }
)


# --- scheduler: "Ugens tema", MED reminders, tema, årshjul, abonner/afmeld, medformand ---------
# (handlers/compose.py, handlers/theme.py, handlers/subscriptions.py)
_add(
    {
        "scheduler.theme.heading": {
            "da": "Ugens tema, uge {week} – {title}",
            "en": "Theme of the week, week {week} – {title}",
        },
        "scheduler.theme.title": {"da": "Ugens tema: {title}", "en": "Theme of the week: {title}"},
        "scheduler.theme.leaders": {
            "da": "Ledernes særlige ansvar:",
            "en": "The leaders' particular responsibility:",
        },
        "scheduler.theme.employees": {
            "da": "Medarbejdernes særlige ansvar:",
            "en": "The employees' particular responsibility:",
        },
        "scheduler.theme.discuss": {
            "da": "Spørgsmål til drøftelse: {question}",
            "en": "Question for discussion: {question}",
        },
        "scheduler.theme.pause": {
            "da": "Ugens tema holder pause i uge {week}. Det næste tema er:",
            "en": "There is no theme of the week in week {week} (a pause week). The next theme is:",
        },
        "scheduler.theme.none": {
            "da": "Der er ingen temaer i de grundlag, jeg kender.",
            "en": "There are no themes in the foundations I know.",
        },
        "scheduler.reminder.heading": {
            "da": "Påmindelse fra MED-årshjulet: {title}",
            "en": "Reminder from the MED annual wheel: {title}",
        },
        "scheduler.reminder.when": {
            "da": "På årshjulet for {organization}: {when}.",
            "en": "On the annual wheel of {organization}: {when}.",
        },
        "scheduler.reminder.discuss": {"da": "Til drøftelse: {discuss}", "en": "To discuss: {discuss}"},
        "scheduler.reminder.policy": {
            "da": "Det siger politikken ({title}):",
            "en": "What the policy says ({title}):",
        },
        "scheduler.wheel.fixed": {
            "da": "Et fast punkt for alle MED-udvalg.",
            "en": "A fixed item for all MED committees.",
        },
        "scheduler.wheel.local": {
            "da": "Et punkt, som det lokale MED-udvalg selv planlægger.",
            "en": "An item the local MED committee plans itself.",
        },
        "scheduler.wheel.fixed_short": {
            "da": "fast for alle MED-udvalg",
            "en": "fixed for all MED committees",
        },
        "scheduler.wheel.local_short": {"da": "planlægges lokalt", "en": "planned locally"},
        "scheduler.wheel.example": {
            "da": (
                "Årshjulet er et eksempel bygget af politikkens tilbagevendende emner, fordi "
                "billedet af det oprindelige årshjul mangler. Tilpas det til jeres MED-udvalg."
            ),
            "en": (
                "This annual wheel is an example built from the policy's recurring topics, because "
                "the picture of the original wheel is missing. Adapt it to your MED committee."
            ),
        },
        "scheduler.wheel.week": {"da": "uge {week} {year}", "en": "week {week} {year}"},
        "scheduler.wheel.month": {"da": "{month} {year}", "en": "{month} {year}"},
        "scheduler.wheel.months": {  # comma-separated, January first
            "da": "januar, februar, marts, april, maj, juni, juli, august, september, oktober, "
            "november, december",
            "en": "January, February, March, April, May, June, July, August, September, October, "
            "November, December",
        },
        "scheduler.wheel.heading": {
            "da": "Det næste på MED-årshjulet for {organization}:",
            "en": "Coming up on the MED annual wheel of {organization}:",
        },
        "scheduler.wheel.empty": {
            "da": "Der er ikke flere punkter på MED-årshjulet for {organization}.",
            "en": "There are no more items on the MED annual wheel of {organization}.",
        },
        "scheduler.wheel.nothing": {
            "da": "Der er ikke lagt noget MED-årshjul ind endnu.",
            "en": "No MED annual wheel has been added yet.",
        },
        "scheduler.weekdays": {  # comma-separated, Monday first
            "da": "mandag, tirsdag, onsdag, torsdag, fredag, lørdag, søndag",
            "en": "Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday",
        },
        "subscribe.done": {
            "da": "Denne kanal får nu Ugens tema fra {organization} hver {day} kl. {time}.",
            "en": "This channel now gets the theme of the week from {organization} every {day} at {time}.",
        },
        "subscribe.already": {
            "da": "Denne kanal får allerede Ugens tema fra {organization}.",
            "en": "This channel already gets the theme of the week from {organization}.",
        },
        "subscribe.choose": {
            "da": "Hvilken organisation skal kanalen have Ugens tema fra? Skriv fx “abonner {example}”. "
            "Du kan vælge: {organizations}.",
            "en": "Which organisation should this channel get the theme of the week from? Type e.g. "
            "“subscribe {example}”. You can choose: {organizations}.",
        },
        "subscribe.unknown": {
            "da": "Jeg kender ikke organisationen “{name}”. Du kan vælge: {organizations}.",
            "en": "I do not know the organisation “{name}”. You can choose: {organizations}.",
        },
        "subscribe.no_themes": {
            "da": "{organization} har ingen temaer i sine dokumenter, så der er ikke noget Ugens tema at abonnere på.",
            "en": "{organization} has no themes in its documents, so there is no theme of the week to subscribe to.",
        },
        "scheduler.wheel.none_for": {
            "da": "Der er ikke lagt noget MED-årshjul ind for {organization}.",
            "en": "No MED annual wheel has been added for {organization}.",
        },
        "subscribe.nothing": {
            "da": "Der er ingen grundlag med temaer at abonnere på endnu.",
            "en": "There are no foundations with themes to subscribe to yet.",
        },
        "unsubscribe.done": {
            "da": "Denne kanal får ikke længere Ugens tema.",
            "en": "This channel no longer gets the theme of the week.",
        },
        "unsubscribe.none": {
            "da": "Denne kanal abonnerer ikke på Ugens tema.",
            "en": "This channel is not subscribed to the theme of the week.",
        },
        "chair.done": {
            "da": "Du er nu registreret som MED-formand for {committee} i {organization} og får en "
            "påmindelse før hvert punkt på MED-årshjulet.",
            "en": "You are now registered as MED chair of {committee} in {organization} and will get a "
            "reminder before each item on the MED annual wheel.",
        },
        "chair.personal": {
            "da": "Påmindelserne kommer i vores personlige chat, så skriv gerne “hej” til mig dér.",
            "en": "The reminders arrive in our personal chat, so please say “hi” to me there.",
        },
        "chair.removed": {
            "da": "Du får ikke længere påmindelser fra MED-årshjulet.",
            "en": "You will no longer get reminders from the MED annual wheel.",
        },
        "chair.not_registered": {
            "da": "Du er ikke registreret som MED-formand.",
            "en": "You are not registered as a MED chair.",
        },
        "chair.default_committee": {"da": "MED-udvalget", "en": "the MED committee"},
    }
)

# --- admin: reload, status, stats (handlers/admin.py, handlers/admin_stats.py) ----------------
# Admin replies are Danish (HR's tools); English is kept for the few English-speaking admins.
_add(
    {
        "admin.refused": {
            "da": "Beklager, “{command}” kan kun bruges af bottens administratorer. Der er ikke sket noget.",
            "en": "Sorry, “{command}” is for the bot's administrators only. Nothing was done.",
        },
        "admin.more": {"da": "… og {count} mere (se loggen)", "en": "… and {count} more (see the log)"},
        "admin.reload.failed": {
            "da": (
                "Genindlæsningen blev ikke gennemført: {count} problem(er) i vidensfilerne. "
                "Den hidtidige viden (version {version}) bruges fortsat. Ret filerne og prøv igen:"
            ),
            "en": (
                "The reload was not done: {count} problem(s) in the knowledge files. The knowledge "
                "that was serving (version {version}) stays. Fix the files and try again:"
            ),
        },
        "admin.reload.ok": {
            "da": "Viden genindlæst på {ms} ms. Ny version: {version} (før: {previous}).",
            "en": "Knowledge reloaded in {ms} ms. New version: {version} (was: {previous}).",
        },
        "admin.reload.totals": {
            "da": "{documents} dokumenter, {entries} indslag: {added} tilføjet, {removed} fjernet, {changed} ændret.",
            "en": "{documents} documents, {entries} entries: {added} added, {removed} removed, {changed} changed.",
        },
        "admin.reload.added": {"da": "{count} tilføjet ({ids})", "en": "{count} added ({ids})"},
        "admin.reload.removed": {"da": "{count} fjernet ({ids})", "en": "{count} removed ({ids})"},
        "admin.reload.changed": {"da": "{count} ændret ({ids})", "en": "{count} changed ({ids})"},
        "admin.reload.unchanged": {"da": "Ingen indslag er ændret.", "en": "No entries changed."},
        "admin.reload.other": {"da": "Også ændret: {names}.", "en": "Also changed: {names}."},
        "admin.reload.warnings": {
            "da": "⚠️ Se efter, om det var meningen:",
            "en": "⚠️ Check that this was meant:",
        },
        "admin.reload.other.glossary": {"da": "ordlisten (synonymer, engelske ord)", "en": "the glossary"},
        "admin.reload.other.wheel": {"da": "MED-årshjulet", "en": "the MED annual wheel"},
        "admin.status.knowledge": {
            "da": "Viden: version {version}, indlæst {loaded_at}: {documents} dokumenter, {entries} indslag.",
            "en": "Knowledge: version {version}, loaded {loaded_at}: {documents} documents, {entries} entries.",
        },
        "admin.status.document": {
            "da": "• {organization} · {document}: {entries} indslag",
            "en": "• {organization} · {document}: {entries} entries",
        },
        "admin.status.last_reload": {
            "da": "Seneste genindlæsning: {at} af {admin}: {outcome} ({detail}).",
            "en": "Last reload: {at} by {admin}: {outcome} ({detail}).",
        },
        "admin.status.no_reload": {
            "da": "Ingen genindlæsning endnu: viden er indlæst ved start.",
            "en": "No reload yet: the knowledge was loaded at start.",
        },
        "admin.status.no_scheduler": {
            "da": "Planlæggeren kører ikke i denne proces (schedule.enabled).",
            "en": "The scheduler does not run in this process (schedule.enabled).",
        },
        "admin.status.upcoming": {"da": "Næste planlagte opslag:", "en": "Next scheduled posts:"},
        "admin.status.no_upcoming": {"da": "Ingen planlagte opslag.", "en": "No scheduled posts."},
        "admin.status.post": {
            "da": "• {at} {job} – {organization}: {title} → {targets}",
            "en": "• {at} {job} – {organization}: {title} → {targets}",
        },
        "admin.status.failures": {"da": "Fejlede opslag:", "en": "Failed posts:"},
        "admin.status.no_failures": {"da": "Ingen fejlede opslag.", "en": "No failed posts."},
        "admin.status.failure": {
            "da": "• {at} {job} {period} → {target}: {error}",
            "en": "• {at} {job} {period} → {target}: {error}",
        },
        "admin.stats.organization": {
            "da": "Spurgt af medarbejdere i {organization}:",
            "en": "Asked by employees of {organization}:",
        },
        "admin.stats.rate": {
            "da": "Svarprocent: {rate} % ({answered} besvaret, {declined} ikke besvaret).",
            "en": "Answer rate: {rate}% ({answered} answered, {declined} not answered).",
        },
        "admin.stats.no_questions": {"da": "Ingen spørgsmål endnu.", "en": "No questions yet."},
        "admin.stats.unanswered": {
            "da": "Spørgsmål uden svar (anonyme, sidste {days} dage, grupperet efter lighed, top {top}):",
            "en": "Questions without an answer (anonymous, last {days} days, grouped by similarity, top {top}):",
        },
        "admin.stats.group": {"da": "• {count}× “{text}”", "en": "• {count}× “{text}”"},
        "admin.stats.no_unanswered": {
            "da": "Ingen spørgsmål uden svar de sidste {days} dage.",
            "en": "No questions without an answer in the last {days} days.",
        },
        "admin.stats.feedback": {"da": "Feedback pr. indslag (👍/👎):", "en": "Feedback per entry (👍/👎):"},
        "admin.stats.votes": {
            "da": "• {title} ({entry}): {up} 👍 / {down} 👎",
            "en": "• {title} ({entry}): {up} 👍 / {down} 👎",
        },
        "admin.stats.no_feedback": {"da": "Ingen feedback endnu.", "en": "No feedback yet."},
        "admin.stats.removed_entry": {
            "da": "(indslaget findes ikke længere)",
            "en": "(entry no longer exists)",
        },
    }
)

# --- teaching and "why": HR improves the knowledge (handlers/teaching.py, handlers/why.py) ------
_add(
    {
        "teach.added": {
            "da": "Tilføjede “{question}” til eksempelspørgsmålene ({language}) i {entry} ({file}).",
            "en": "Added “{question}” to the example questions ({language}) of {entry} in {file}.",
        },
        "teach.present": {
            "da": "“{question}” står allerede blandt eksempelspørgsmålene i {entry}: intet ændret.",
            "en": "“{question}” is already one of the example questions of {entry}: nothing changed.",
        },
        "teach.answers": {
            "da": "Spørgsmålet besvares nu fra {entry}.",
            "en": "The question is now answered from {entry}.",
        },
        "teach.not_yet": {
            "da": "Bemærk: spørgsmålet besvares endnu ikke sikkert fra {entry} (bedst nu: {best}); tilføj flere spørgsmål som det.",
            "en": "Note: the question is not yet answered with confidence from {entry} (best now: {best}); add more questions like it.",
        },
        "teach.declined_added": {
            "da": "Markerede “{question}” som uden for emnet for {organization} · {document} ({file}): not_answered.",
            "en": "Marked “{question}” as not answered by {organization} · {document} (not_answered in {file}).",
        },
        "teach.declined_present": {
            "da": "“{question}” er allerede markeret som uden for emnet for {organization} · {document}: intet ændret.",
            "en": "“{question}” is already marked as not answered by {organization} · {document}: nothing changed.",
        },
        "teach.declined_now": {
            "da": "Dokumentet svarer ikke længere på spørgsmålet.",
            "en": "That document no longer answers the question.",
        },
        "teach.declined_other": {
            "da": "Spørgsmålet besvares nu fra {best}, et andet dokument.",
            "en": "The question is now answered from {best}, in another document.",
        },
        "teach.failed": {"da": "Intet ændret: {reason}", "en": "Nothing changed: {reason}"},
        "teach.no_choice": {"da": "Vælg et indslag først.", "en": "Choose an entry first."},
        # The choice under each unanswered question in stats (bot/slack_render.py, bot/teams_render.py).
        "teach.offer": {"da": "“{question}” ({count}×)", "en": "“{question}” ({count}×)"},
        "teach.menu": {"da": "Svar med …", "en": "Answer with …"},
        "teach.decline_menu": {"da": "Svar ikke fra …", "en": "Do not answer from …"},
        "teach.choose": {"da": "Vælg et indslag", "en": "Choose an entry"},
        "teach.teach_button": {"da": "Svar med det valgte", "en": "Answer with the chosen one"},
        "teach.decline_button": {
            "da": "Svar ikke fra dets dokument",
            "en": "Do not answer from its document",
        },
        "admin.stats.choices": {"da": "   bedste bud: {choices}", "en": "   best candidates: {choices}"},
        "why.usage": {
            "da": "Skriv hvorfor og spørgsmålet, fx: hvorfor hvor tit kan jeg få et sundhedstjek",
            "en": "Write why and the question, e.g.: why how often can I get a health check",
        },
        "why.terms": {"da": "Spørgsmålet er læst som: {terms}", "en": "The question was read as: {terms}"},
        "why.no_terms": {
            "da": "Spørgsmålet har ingen ord, som viden kender.",
            "en": "The question has no words the knowledge knows.",
        },
        "why.unknown": {
            "da": "Ukendte ord (trækker sikkerheden ned): {words}",
            "en": "Words the knowledge does not know (they pull the confidence down): {words}",
        },
        "why.sensitive": {
            "da": "Følsomt emne: {topics} (svaret nævner hvem man kontakter)",
            "en": "Sensitive topic: {topics} (the reply names whom to contact)",
        },
        "why.scope": {"da": "Svarer fra: {organization}", "en": "Answered from: {organization}"},
        "why.declined_by": {
            "da": "{organization} · {document} svarer ikke: spørgsmålet står under not_answered",
            "en": "{organization} · {document} does not answer: the question is in its not_answered list",
        },
        "why.none": {
            "da": "Intet indslag passer: spørgsmålet afvises.",
            "en": "No entry fits: the question is declined.",
        },
        "why.candidates": {
            "da": "Kandidater (bedst først; svar ved sandsynlighed ≥ {answer:.2f}, forslag ved ≥ {suggest:.2f}):",
            "en": "Candidates (best first; answered at probability ≥ {answer:.2f}, suggested at ≥ {suggest:.2f}):",
        },
        "why.candidate": {
            "da": "{n}. {entry} “{title}” [{organization} · {section}]{draft}: rangering {score}, sandsynlighed {probability:.2f}",
            "en": "{n}. {entry} “{title}” [{organization} · {section}]{draft}: ranking {score}, probability {probability:.2f}",
        },
        "why.features": {
            "da": "   dækker {coverage:.0%} af spørgsmålet · ligner et eksempelspørgsmål {similarity:.0%} · nævner {title:.0%} af titlen · specifik {specificity:.0%} · forspring {margin:+.1f}",
            "en": "   covers {coverage:.0%} of the question · like an example question {similarity:.0%} · names {title:.0%} of the title · specific {specificity:.0%} · lead {margin:+.1f}",
        },
        "why.weighs": {"da": "   vejer mest: {reasons}", "en": "   weighs most: {reasons}"},
        "why.answer": {"da": "   → svarer herfra", "en": "   → answers from here"},
        "why.tie": {
            "da": "   → uafgjort med et andet dokument: tilbydes som “mente du”",
            "en": "   → a tie with another document: offered as “did you mean”",
        },
        "why.suggest": {
            "da": "   → for usikker til at svare; tilbydes som “mente du”",
            "en": "   → not sure enough to answer; offered as “did you mean”",
        },
        "why.below": {"da": "   → for usikker: afvist", "en": "   → not sure enough: declined"},
        "why.draft": {"da": " (kladde)", "en": " (draft)"},
    }
)

# --- teams: Adaptive Card labels (bot/teams_render.py) -----------------------------------------
_add(
    {
        "teams.feedback_up": {"da": "👍 Brugbart", "en": "👍 Helpful"},
        "teams.feedback_down": {"da": "👎 Ikke brugbart", "en": "👎 Not helpful"},
        # An admin command in a channel: the reply is for the admin alone (bot/teams.py).
        "teams.sent_privately": {
            "da": "Jeg har sendt svaret til dig i vores personlige chat.",
            "en": "I have sent you the reply in our personal chat.",
        },
        "teams.use_personal_chat": {
            "da": "Det svar er kun til dig: skriv kommandoen til mig i en personlig chat.",
            "en": "That reply is for you alone: send me the command in a personal chat.",
        },
    }
)

# --- error: the apology of the error boundaries (handlers/router.py, bot/teams.py) -------------
_add(
    {
        "error.apology": {
            "da": "Beklager, der gik noget galt hos mig. Prøv igen om lidt.",
            "en": "Sorry, something went wrong on my side. Please try again in a moment.",
        },
        "error.storage": {
            "da": "Jeg kan ikke gemme eller hente det lige nu. Prøv igen om lidt.",
            "en": "I cannot save or look that up right now. Please try again in a moment.",
        },
        "error.busy": {
            "da": "Der er travlt lige nu, så jeg når ikke at svare. Prøv igen om et øjeblik.",
            "en": "I am busy right now and cannot answer. Please try again in a moment.",
        },
    }
)
