"""The seed article (NBC News, October 2019) that article 1 of the demo site reproduces."""

from __future__ import annotations

HEADLINE = "2 Belgian ISIS fighters escape from Kurdish prison, officials say"
DEK = (
    "It is unclear in the chaotic, fast-moving conflict how many other ISIS fighters or "
    "members of their families may have escaped."
)
SLUG = "2-belgian-isis-fighters-escape-from-kurdish-prison-officials-say"
SECTION = "world"
AUTHORS = ("Saphora Smith", "Erin McLaughlin")
TAGS = ("syria", "turkey", "isis")

HERO_CAPTION = (
    "A fighter from the Syrian Democratic Forces stands inside a post where U.S. troops were "
    "based, in Tel Abyad town, at the Syrian-Turkish border, Syria."
)
HERO_CREDIT = "Ahmad Baderkhan / AP"
HERO_ALT = "A fighter from the Syrian Democratic Forces"

INLINE_CAPTION = (
    "Syrian refugees fleeing the Turkish incursion in Northern Syria wait to receive aid from the "
    "UNHCR and other International NGOs as more than 200 people arrive at the facility on "
    "Thursday in Dohuk, Iraq."
)
INLINE_CREDIT = "Byron Smith / Getty Images"
INLINE_ALT = "Syrian refugees fleeing the Turkish incursion"
# The inline figure follows this paragraph (0-based), as on the original page.
INLINE_AFTER = 8

PARAGRAPHS = (
    "CEYLANPINAR, Turkey — Two Belgian ISIS fighters have escaped from a Kurdish prison after the "
    "Turkish offensive began in northeastern Syria last week, a Belgian security source and a "
    "separate Belgian parliamentary source told NBC News.",
    "The sources, who agreed to speak on the condition of anonymity because they were not "
    "authorized to speak to the press, offered no further information.",
    "The two Belgians are the first foreign fighters who NBC News has confirmed to have escaped "
    "during the weeklong conflict in northern Syria.",
    "It is unclear in the chaotic, fast-moving conflict how many other fighters of the Islamic "
    "State militant group or members of their families may have escaped.",
    "The Syrian Democratic Forces prison authority said at least five prisoners escaped from an "
    "ISIS jail outside Qamishli after projectiles from Turkey hit the prison yard Oct. 11, but did "
    "not give details on their nationalities. NBC News was unable to independently verify the "
    "claim.",
    "Many of the group's fighters captured in northern Syria are in prisons guarded by "
    "Kurdish-led forces, while their families are in SDF-guarded camps.",
    "The Syrian Democratic Forces have been a crucial U.S. ally in the fight against ISIS, but now "
    "feel abandoned by America and have turned to Syrian President Bashar Assad and Russian "
    "President Vladimir Putin to help deter a Turkish invasion.",
    "Gen. Mazloum Kobani, commander of the SDF, said last week that the approximately 12,000 "
    "suspected terrorists in detention centers are now a “second priority” for his forces. Of the "
    "12,000, some 2,000 are foreign fighters while the others are Iraqis and Syrians, Pentagon "
    "officials say.",
    "Current and former intelligence officials have told NBC News that a sustained Turkish "
    "military operation against Kurdish forces in Syria would vastly increase the threat to "
    "Americans from ISIS, which remains intent on attacking the West.",
    "In one ISIS jail, which houses some 5,000 inmates, the warden told NBC News that if the "
    "conflict deteriorates, the SDF guards would have no choice but to leave and head for the "
    "front lines.",
    "“If there was an attack on the prison, we'd lock all the doors and go to the areas that they "
    "are in to fight and protect northern Syria,” Sarhat Amudi said, referring to Turkish forces.",
)

CREDIT_LINE = (
    "Erin McLaughlin and Mac William Bishop reported from Ceylanpinar, Turkey; Saphora Smith "
    "reported from London and Marc Smith reported from northern Syria."
)

# Round edits of the seed article (see demosite.content.EDIT_PLAN).
HEADLINE_ROUND_2 = "Two Belgian ISIS fighters escape Kurdish-run prison in Syria, officials say"
PARAGRAPH_4_ROUND_2 = (
    "The Syrian Democratic Forces prison authority said at least seven prisoners escaped from an "
    "ISIS jail outside Qamishli after projectiles from Turkey hit the prison yard Oct. 11 and "
    "Oct. 12, but did not give details on their nationalities. NBC News was unable to "
    "independently verify the claim."
)
PARAGRAPH_1_ROUND_3 = (
    "The sources, who agreed to speak on the condition of anonymity because they were not "
    "authorized to speak to the press, offered no further information on Thursday."
)
