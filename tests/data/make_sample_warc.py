"""Write the bundled sample crawl, `tests/data/sample.warc.gz`, and its expected funnel.

The sample is a small, fake Common Crawl segment (crawl id CC-MAIN-2099-01) that the project
writes itself: every page, every sentence and every byte of it comes from this script. It feeds
`make run` and the end-to-end tests, and it has at least one record for every stage of the
pipeline (URL filter -> extraction -> language ID -> Gopher repetition / Gopher quality / C4 /
FineWeb quality -> MinHash dedup -> PII scrubbing -> GPT-2 tokens). `tests/data/README.md` lists
every record and what should happen to it.

Run it from the project root::

    .venv/bin/python tests/data/make_sample_warc.py            # rewrites both files below
    .venv/bin/python tests/data/make_sample_warc.py --output /tmp/x.warc.gz --expected /tmp/x.json
    .venv/bin/python tests/data/make_sample_warc.py --markdown # also print the README table

Outputs:

- ``sample.warc.gz``: WARC/1.1, one gzip member per record, written with warcio's `WARCWriter`.
  The bytes are identical on every run: fixed dates, record ids ``<urn:uuid:...>`` from uuid5 of a
  counter, and gzip headers with mtime 0. One member in the middle is deliberately corrupted.
- ``sample_expected.json``: ``{url: "kept" | "<stage>:<reason or 'dropped'>"}`` for every
  response and revisit record, e.g. ``"https://live.chaturbate.com/": "url:dropped"``.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime
import gzip
import hashlib
import html
import io
import json
import pathlib
import struct
import sys
import uuid
import zlib

import brotli
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = pathlib.Path(__file__).resolve().parent
CRAWL_ID = "CC-MAIN-2099-01"  # obviously fake, so nobody mistakes the sample for a real crawl
# Fixed, so ids never change: uuid5(NAMESPACE_URL, "https://curation.example/sample-warc/0"). With it
# the original Erie Canal page has the smallest record id of its dedup cluster as well as coming
# first in the file, so "keep the first" and "keep the smallest id" keep the same page (asserted).
RECORD_ID_NAMESPACE = uuid.UUID("e68de22c-4f00-5688-bdf9-6b2bf6e43293")
START_DATE = datetime.datetime(2099, 1, 16, 10, 0, 0, tzinfo=datetime.timezone.utc)
CORRUPT_BYTES = bytes(range(0x40, 0x60))  # 32 bytes written over the damaged member; no 0x1f 0x8b

# ----------------------------------------------------------------------------------------------
# Prose. Paragraphs are separated by blank lines; a line starting with "## " is a subheading.

ARTICLES = {
    "erie": ("The Ditch That Made a Nation: How the Erie Canal Changed New York", """
When construction began near Rome, New York, on the Fourth of July in 1817, many people thought the project was absurd. The plan called for a channel about forty feet wide and four feet deep, cut across more than three hundred and sixty miles of forest, swamp and rock between Albany and Buffalo. Critics mocked it as "Clinton's Ditch," after Governor DeWitt Clinton, who had staked his political career on the idea. Thomas Jefferson is said to have called it little short of madness.

The engineers who took on the work had almost no formal training. Most of them were surveyors and lawyers who learned their trade on the job, and the canal became an informal school for a generation of American engineers. They solved problems as they met them: a cement that hardened underwater was made from local limestone, and workers devised stump pullers with enormous wheels so that a team of horses could clear a field of tree roots in a day.

## Digging by hand

Much of the digging was done with shovels and wheelbarrows. Local farmers signed contracts to excavate short sections near their own land, and they were joined by thousands of laborers, many of them recent immigrants from Ireland. The hardest stretch lay at the western end, where the route had to climb the Niagara Escarpment. At Lockport, builders cut a double flight of five locks into solid rock, one set for boats going up and another for boats coming down.

The canal opened in October 1825. Clinton boarded a boat at Buffalo and travelled east to New York City, where he poured a cask of water from Lake Erie into the Atlantic Ocean in a ceremony that newspapers called the Wedding of the Waters. The journey took about nine days, and cannons placed along the route fired one after another to carry the news from one end of the state to the other in under two hours.

## A new map of trade

The effect on trade was immediate. Before the canal, moving a ton of goods overland from Buffalo to New York could cost around a hundred dollars and take weeks. Within a few years the cost had fallen to roughly a tenth of that, and the trip took little more than a week. Grain, timber and salt flowed east, while manufactured goods and settlers flowed west into Ohio, Michigan and beyond.

The canal also reshaped the map of New York itself. Towns such as Syracuse, Rochester and Utica grew rapidly along its banks, and New York City pulled ahead of Philadelphia and Boston to become the busiest port in the country. The tolls paid off the construction debt in about a decade.

Railroads eventually took most of the traffic, and the original channel was enlarged and rerouted several times. Today the waterway is used mostly by pleasure boats, while cyclists follow the old towpath. Yet the basic lesson of the canal still holds. A piece of infrastructure that seemed foolish on paper turned out to be one of the most profitable public investments in American history, because it connected people and markets that distance had kept apart.
"""),
    "braising": ("The Patient Cook: A Practical Guide to Braising", """
Braising is one of the oldest ways to cook and one of the most forgiving. The method is simple: brown a piece of meat or a sturdy vegetable, add a modest amount of liquid, cover the pot, and let it cook slowly at a low temperature until it becomes tender. Unlike a stew, where everything is submerged, a braise sits only partly in liquid, so the top of the food steams while the bottom simmers.

The best cuts for braising are the ones that are tough when cooked quickly. Beef chuck, pork shoulder, lamb shanks and chicken thighs all contain plenty of connective tissue. Given enough time in gentle, moist heat, that tissue breaks down into gelatin, which gives the finished sauce its glossy body and makes the meat easy to pull apart with a fork. Expensive lean cuts, by contrast, tend to dry out and turn stringy.

Start by drying the meat well and seasoning it generously with salt. Heat a heavy pot with a little oil and brown the pieces in batches, giving each one enough room. Crowding the pan lowers the temperature and causes the meat to steam instead of sear. The brown crust is not there to seal in juices, as people often claim, but it adds a deep, roasted flavor to the whole dish.

Once the meat is browned, set it aside and soften some onions, carrots and celery in the fat that remains. A spoonful of tomato paste, a few cloves of garlic and a sprig of thyme are good additions. Pour in wine, stock or even water, and scrape the bottom of the pot to dissolve the browned bits stuck to it. Return the meat, check that the liquid reaches about a third of the way up its sides, and bring everything to a bare simmer.

From here, the oven does most of the work. A temperature of around 150 degrees Celsius keeps the liquid just below a boil, which is exactly what you want. Vigorous boiling tightens the muscle fibers and leaves the meat dry even though it is surrounded by liquid. Check the pot every hour or so and turn the pieces if they are not fully covered. Depending on the cut, a braise may need anywhere from ninety minutes to four hours.

You can tell it is ready when a skewer slides into the thickest part with almost no resistance. Lift the meat out and skim the fat from the surface of the sauce, then reduce the sauce on the stove until it coats the back of a spoon. If you have the patience, make the dish a day ahead. Braises almost always taste better after resting overnight, and the fat hardens in the refrigerator, so it can be lifted off in a single piece.

Serve a braise with something that will soak up the sauce, such as mashed potatoes, polenta, rice or a thick slice of crusty bread. A sharp green salad on the side balances the richness. Once you have made one braise, you will find that the method works with almost any ingredient, from short ribs to whole heads of fennel.
"""),
    "jupiter": ("Watching Jupiter's Moons From Your Back Garden", """
In January 1610, Galileo Galilei pointed a small homemade telescope at Jupiter and noticed three faint points of light lined up near the planet. Over the following nights he saw them shift position, and soon he found a fourth. He realized they were moons circling Jupiter, a discovery that made it much harder to argue that everything in the sky revolved around the Earth. You can repeat his observation tonight with nothing more than a pair of ordinary binoculars.

Jupiter is easy to find because it is usually the brightest point in the night sky after the Moon and Venus. It does not twinkle as much as the stars around it, and it shines with a steady, creamy light. A planetarium app or a printed star chart for the current month will tell you which constellation it is passing through and when it rises.

Binoculars with a magnification of seven to ten times are ideal. The hardest part is holding them still, since every small tremor of your hands is magnified along with the image. Rest your elbows on a fence or the roof of a car, or better still, attach the binoculars to a camera tripod with an inexpensive adapter. Once the image stops shaking, Jupiter will appear as a tiny disk rather than a point, and the moons will show up as small stars arranged in a nearly straight line on either side.

The four large moons are called Io, Europa, Ganymede and Callisto, and together they are known as the Galilean moons. Io is the closest to Jupiter and completes an orbit in less than two days, so its position changes noticeably from one night to the next. Callisto, the farthest of the four, takes more than two weeks. On any given evening you might see all four, or only two or three, because the others are hidden behind the planet or lost in its glare.

A rewarding project is to sketch what you see at the same time each night for a week or two. Draw Jupiter as a small circle in the middle of the page and mark each moon as a dot. After a few nights a pattern begins to emerge, and you can start to guess which dot is which. This is essentially the same record that Galileo kept in his notebook, and it gives a vivid sense of objects moving through space rather than sitting on a flat dome.

If you want to go further, a small telescope will show the dark cloud belts that run across the planet and, under good conditions, the Great Red Spot, a storm larger than the Earth that has been raging for well over a century. You may also catch the shadow of a moon as a sharp black dot crossing the face of the planet. But there is something special about starting with binoculars. It reminds you that one of the great discoveries in the history of science required very little equipment, only patience and a willingness to look carefully.
"""),
    "compost": ("Compost Without the Fuss", """
A compost heap turns kitchen scraps and garden waste into a dark, crumbly material that improves almost any soil. Good compost holds water in sandy ground, loosens heavy clay and feeds the worms and microbes that keep a garden healthy. It also keeps a surprising amount of material out of the rubbish bin. The good news is that making it requires no special equipment and very little skill.

The organisms that do the work need four things: carbon, nitrogen, water and air. Gardeners usually talk about browns and greens. Browns are dry, carbon-rich materials such as autumn leaves, straw, shredded cardboard and small twigs. Greens are moist and rich in nitrogen, like vegetable peelings, coffee grounds, fresh grass clippings and weeds that have not yet gone to seed. A heap made only of greens turns slimy and smells sour, while one made only of browns may sit unchanged for years.

A rough rule is to add two or three buckets of browns for every bucket of greens. You do not need to measure carefully. If the heap smells unpleasant, add more browns and mix them in. If nothing seems to be happening, add greens and a little water. The contents should feel about as damp as a wrung-out sponge.

Size matters too. A pile that is roughly a metre wide and a metre tall holds enough heat for the microbes to work quickly, and the centre can become warm enough to steam on a cold morning. Smaller bins still work, but they break down material more slowly. Chopping large items into small pieces speeds things up, because microbes can only attack the surface of what they are given.

Turning the heap with a garden fork every week or two lets in fresh air and moves the cooler outer material into the hot centre. If you do not have time to turn it, the compost will still be made; it will simply take longer. A heap that is left alone may take a year, while one that is turned regularly can be ready in a few months.

Some things are best kept out. Meat, fish and dairy products attract rats and foxes, and the droppings of cats and dogs can carry diseases. Diseased plants and the roots of persistent weeds such as bindweed may survive a cool heap and spread around the garden when the compost is used.

You will know the compost is finished when it is dark brown, smells like a forest floor and you can no longer recognise most of the original ingredients. Spread it as a layer a few centimetres deep over your beds in autumn or spring, and let the worms carry it down into the soil. Any lumps that have not broken down can simply go back into the next heap.
"""),
    "tokenizer": ("How Language Models Read: A Gentle Introduction to Byte Pair Encoding", """
A language model never sees letters or words directly. Before any training begins, text is cut into small units called tokens, and each token is replaced by a number. The model learns patterns in these sequences of numbers. The choice of how to split the text matters more than it might seem, because it decides what the model treats as a single unit and how long each document becomes.

One obvious approach is to treat every word as a token. This works poorly in practice. A vocabulary built from whole words has to be enormous to cover names, typing errors, technical terms and every form of every verb, and any word that never appeared during training becomes an unknown symbol. The opposite approach, using single characters, handles any input but makes sequences very long, which slows training and makes it harder for the model to connect distant pieces of text.

## Merging the most frequent pairs

Byte pair encoding sits between these extremes. The algorithm starts with a vocabulary of individual bytes, so every possible input can be represented. It then scans a large sample of text, finds the pair of adjacent symbols that occurs most often, and merges that pair into a new symbol. The process repeats thousands of times. Frequent words such as "the" or "and" quickly become single tokens, while rare words are built from several smaller pieces that the model has seen before.

The tokenizer used by GPT-2 learned fifty thousand merges in this way, giving a vocabulary of 50,257 tokens in total. Before applying the merges, it splits text into chunks with a regular expression, so that letters, numbers and punctuation are never merged across a boundary. This keeps, for example, a word and the full stop after it from being fused into a single unusual token.

## Where one document ends

There is one more detail that surprises newcomers. When many documents are joined into a training stream, the model needs to know where one ends and the next begins. GPT-2 reserves a special token for this purpose, written as <|endoftext|> in the vocabulary. A careful data pipeline inserts that token itself between documents and makes sure that the same string appearing inside ordinary web text is encoded as plain characters. Otherwise, anyone could end a document early simply by typing those few characters on a web page.

Because each token is stored as a number below 65,536, a tokenized corpus can be written to disk as a flat array of 16-bit integers. Training code can then map the file into memory and read random windows from it without parsing anything. It is a humble format, but it is fast, and it lets a small machine stream through billions of tokens.

If you want to understand tokenization properly, try implementing the training loop yourself on a few megabytes of text. Count pairs, merge the most common one, and repeat. Within an afternoon you will have a working tokenizer, and you will never again be puzzled when a model struggles to count the letters in a long word.
"""),
    "travel": ("Sand, Wind and Storks: Walking the Fishermen's Trail", """
The first thing nobody tells you about the Fishermen's Trail is how much of it is sand. The path follows the cliffs of the Alentejo coast in southwest Portugal, and for long stretches it is little more than a soft track worn by the boots of people who once walked down to the rocks to fish. On a map the daily distances look modest. On the ground, every step slides back a few centimetres, and by the afternoon your calves will let you know about it.

We started in Porto Covo, a small white village with blue-trimmed houses and a square full of cafés that open late and close later. The route heads south from there, and within an hour the village disappears behind the dunes. After that there is mostly wind, the sound of the Atlantic and the occasional fisherman perched impossibly on a ledge far below with a long rod and a bucket.

The scenery changes more than you might expect. Some stretches run along the top of dark cliffs streaked with red and yellow rock, where the sea churns in narrow coves. Others cross wide beaches where you can take off your boots and walk at the edge of the water. In spring the heath is covered in small flowers, and the air smells of rosemary and salt.

The highlight for me was the storks. Along part of the coast, white storks build their untidy nests on top of rock pillars standing in the sea, a habit that is rare anywhere else in the world. We sat on the cliff edge for almost an hour watching one pair bring sticks to a nest while the waves broke beneath them. It was hard to believe the whole structure did not simply blow away.

Accommodation is simple and friendly. We stayed in a guesthouse in Vila Nova de Milfontes, where the owner insisted on giving us directions to a restaurant that served grilled fish, bread, olives and a jug of local wine for less than the price of a sandwich at home. The next night we slept in a farmhouse a short walk inland, surrounded by cork oaks and the sound of sheep bells. "You walked from Porto Covo?" the farmer asked, and shook his head with a smile.

A few practical points are worth knowing. Carry more water than you think you need, because there are long sections with no shade and no shops. Gaiters help keep the sand out of your boots, and walking poles make the climbs out of the coves easier. Most importantly, start early. The light in the morning is beautiful, the sand is firmer after the night, and you will reach the next village in time for a long, slow lunch.
"""),
    "sleep": ("Why a Good Night's Sleep Helps You Remember", """
For a long time sleep was thought of as a kind of shutdown, a period when the brain simply rested. Research over the past few decades has painted a very different picture. While we sleep, the brain is busy sorting, strengthening and reorganizing the memories formed during the day, and people who are deprived of sleep consistently perform worse on tests of learning.

Sleep comes in cycles that last roughly ninety minutes. Each cycle moves through lighter stages into deep, slow-wave sleep and then into rapid eye movement sleep, the stage most strongly linked with vivid dreams. Early in the night the cycles contain more deep sleep, while the periods of rapid eye movement sleep grow longer toward morning.

Deep sleep appears to be especially important for memories of facts and events. During this stage, the hippocampus, a small structure that records new experiences, seems to replay recent activity. These replays are thought to help transfer information to the outer layers of the brain, where it can be stored for the long term and linked to what we already know. In experiments where people learn a list of word pairs in the evening, those who sleep normally recall more of them the next day than those kept awake.

Skills seem to benefit as well. Musicians, athletes and people learning to type often improve between practice sessions even when they do nothing in the meantime except sleep. Some studies have found that performance on a simple finger-tapping sequence improves overnight without any further practice, as though the brain had continued rehearsing in the dark.

None of this means that you can learn a new language by playing recordings under your pillow. Attempts to teach people complex new material while they sleep have generally failed. What sleep does well is consolidate what you have already encountered while awake, making it more stable and easier to retrieve.

The practical lessons are fairly simple. If you are studying for an exam, a full night of sleep after a study session is likely to do more good than staying up late to cram. Regular sleep and wake times help the body keep its internal clock steady. Caffeine late in the afternoon and bright screens in the hour before bed can delay sleep and cut short the deep stages that matter most.

Scientists still argue about many of the details, including exactly how memories are selected for strengthening and why we dream at all. But the broad conclusion is no longer in much doubt. Sleep is not time taken away from learning. It is part of how learning happens.
"""),
    "piano": ("Learning the Piano as an Adult: What I Wish I Had Known", """
I sat down at a piano for the first time at the age of forty-two, in a rented room above a music shop, with a teacher who was young enough to be my daughter. I had always assumed that it was too late, that music was something you either learned as a child or admired from a distance. Three years later, I can play a handful of pieces I love, and I have learned a few things that might help anyone thinking of starting.

The first is that adults learn differently from children, but not necessarily worse. A child may pick up finger patterns more quickly, yet an adult understands why a piece is built the way it is. When my teacher explained how a simple melody moved from one chord to the next, the music suddenly made sense in a way that I doubt it would have when I was eight years old.

The second lesson is that short, regular practice beats long, occasional sessions. Twenty minutes every day did far more for me than two hours on a Sunday afternoon. Progress on an instrument comes from small improvements that build up over weeks, and a long gap lets your fingers forget what they were just beginning to learn.

Third, reading music is less mysterious than it looks. At first the notes on the page seemed like a secret code, but after a few months I could work out most simple pieces slowly on my own. Learning to read also freed me from depending on recordings and videos, which are useful but tend to encourage copying rather than understanding.

The fourth lesson was harder to accept. Playing for other people is a separate skill from playing alone, and it has to be practised in its own right. The first time I played for friends, my hands shook so badly that I could barely finish a piece I knew perfectly well. My teacher suggested recording myself regularly, which produces some of the same nervousness, and gradually the fear became manageable.

Finally, choose music you actually want to play. Exercises and scales have their place, but motivation is the thing most likely to run out for an adult with a job and a family. My breakthrough came when I stopped forcing myself through pieces I disliked and began working on a slow waltz I had loved since I was a teenager. It took me four months to learn, and I still play it most evenings.

If you have been telling yourself that it is too late, it probably is not. You will not become a concert pianist, but that was never the point. The pleasure of making music with your own hands is available at any age.
"""),
    "interest": ("The Quiet Power of Compound Interest", """
Albert Einstein probably never called compound interest the most powerful force in the universe, despite how often the quotation appears online. The idea behind it, however, really does deserve attention. Compound interest means earning interest not only on the money you originally saved but also on the interest that money has already earned. Over short periods the difference is small. Over decades it becomes enormous.

Consider a simple example. Suppose you put 1,000 pounds into an account that pays five percent a year and leave the interest in the account. After the first year you have 1,050 pounds. In the second year you earn five percent on 1,050 rather than on the original 1,000, so you end up with 1,102.50 pounds. The extra two pounds and fifty pence hardly seem worth mentioning, but the effect keeps growing. After ten years the balance is about 1,629 pounds, and after thirty years it is roughly 4,322 pounds, more than four times the original sum, without a single additional deposit.

A handy shortcut for estimating growth is the rule of seventy-two. Divide seventy-two by the annual interest rate, and the answer is roughly the number of years it takes for money to double. At six percent, savings double in about twelve years. At three percent, they take about twenty-four. The rule is only an approximation, but it is accurate enough for everyday planning.

The most important ingredient is time. Someone who starts saving a modest amount in their twenties will often end up with more than someone who saves twice as much but starts twenty years later, because the early savings have so many more years to compound. This is why financial advisers like to say that the best time to start was yesterday and the second best time is today.

Compounding works in the other direction too. Credit card balances and payday loans charge interest on unpaid interest, often at very high rates. A debt that is left to grow at twenty percent a year doubles in less than four years. Paying off expensive debt is therefore one of the most reliable financial returns available to most people.

Inflation deserves a mention as well. If prices rise by three percent a year and your savings earn two percent, your money is slowly losing its purchasing power even though the number in your account is going up. When comparing options, it helps to think about the real return after inflation rather than the headline rate.

None of this requires advanced mathematics. The lesson is simply that small, steady habits, left alone for long enough, produce results that feel out of proportion to the effort. That is as true of savings as it is of learning a language or keeping fit.
"""),
    "bees": ("The Dance Language of Honeybees", """
When a honeybee finds a rich patch of flowers, she does not keep the discovery to herself. She returns to the hive and performs a short, repeated dance on the vertical surface of the honeycomb, and her sisters crowd around to follow her movements. The dance tells them, with remarkable precision, which direction to fly and how far to go.

The Austrian scientist Karl von Frisch spent decades decoding this behaviour and shared a Nobel Prize in 1973 for the work. He noticed that bees perform two main kinds of dance. For food sources close to the hive, a bee runs in small circles, first one way and then the other. This round dance announces that food is nearby but gives little information about direction. For more distant sources, the bee performs the waggle dance.

In the waggle dance, the bee runs forward in a straight line while shaking her body from side to side, then loops back to the starting point and repeats the run, alternating between a loop to the left and a loop to the right. The angle of the straight run relative to vertical on the comb represents the angle between the food source and the sun. A run straight upward means fly toward the sun, while a run pointing somewhat to the right of vertical means fly at that same angle to the right of the sun.

Distance is encoded in the length of the waggle run. The longer the bee waggles, the farther away the flowers are. Later experiments showed that bees judge distance by the amount of visual motion they experience during the flight, rather than by the energy they use. Bees trained to fly through a narrow tunnel lined with a busy pattern overestimate the distance and dance as if the food were much farther away.

The dance also adjusts for the passage of time. Because the sun moves across the sky during the day, a bee that has been dancing for a while gradually changes the angle of her runs to keep the directions accurate. The followers, meanwhile, pick up the scent of the flowers from the dancer's body, which helps them recognise the right patch when they arrive.

Not every detail of von Frisch's theory was accepted at first. Some researchers argued that bees found food mainly by smell, and that the dance was a coincidence. The debate was settled by later studies, including experiments with robotic bees and radar tracking of individual foragers, which confirmed that recruits really do use the information in the dance.

The waggle dance remains one of the most striking examples of symbolic communication in the animal world. A creature with a brain smaller than a grain of rice can describe a location several kilometres away to its nestmates, using a kind of map drawn in movement on a wall in complete darkness.
"""),
    "tap": ("How to Fix a Dripping Tap in Under an Hour", """
A dripping tap is one of those problems that is easy to ignore until you do the arithmetic. A single drip every second adds up to thousands of litres of wasted water over a year, and if it is the hot tap, you are paying to heat that water as well. Fortunately, most drips can be fixed in less than an hour with a few basic tools and a spare part that costs very little.

The first step is to work out what kind of tap you have. Older taps usually have a rubber washer that is pressed against a seat when you turn the handle. Over time the washer hardens and cracks, and water sneaks past. Many newer taps use a ceramic disc cartridge instead, which opens and closes with a quarter turn. The repair is similar in both cases, but you will need the right replacement part, so it helps to take the old one with you to the shop.

Before you start, turn off the water supply. There is often a small isolating valve on the pipe under the sink, which can be turned with a flat screwdriver. If there is not, you will need to shut off the main stopcock for the house. Open the tap afterwards to let the remaining water drain out, and put the plug in the sink so that small screws cannot disappear down the drain.

Next, remove the handle. There is usually a decorative cap on top that can be prised off with a thin blade, revealing a screw underneath. With the handle off, you will see a large nut holding the valve body in place. Loosen it with an adjustable spanner, wrapping the chrome in a cloth so that you do not scratch it, and lift the whole assembly out.

On a traditional tap, the washer sits at the bottom of the assembly, held by a small nut or simply pressed on. Replace it with a new washer of the same size. On a ceramic tap, swap the entire cartridge for a matching one. While everything is apart, look at the seat inside the tap body. If it is badly pitted, a new washer may not seal properly, and the seat can be smoothed with an inexpensive reseating tool.

Reassemble the tap in reverse order, tightening the nut firmly but not with all your strength. Turn the water back on slowly and check for leaks around the base of the handle. If the drip has stopped, you are done. If water still seeps from around the spindle rather than the spout, the problem is a worn seal higher up, which can usually be replaced in the same way.

It is worth keeping a small bag of common washers and a spare cartridge in a drawer. The next time a tap starts to drip, the whole job will take a quarter of an hour, and you will have saved yourself the cost of a call-out.
"""),
    "paperback": ("A Book for the Price of a Packet of Cigarettes", """
In the summer of 1935, a British publisher named Allen Lane launched a series of paperback books that cost sixpence each, about the same as a packet of cigarettes. According to the story he liked to tell, the idea came to him on a railway platform after a weekend visit, when he looked for something good to read on the journey home and found nothing but expensive hardbacks and cheap magazines. Whether or not it happened quite that way, the result changed how millions of people read.

Paperbacks were not new. Cheap books with paper covers had been sold for decades, and a publishing house in Germany had already issued a successful series of English-language paperbacks for readers on the Continent. What Lane did differently was to combine low prices with serious, well-regarded books. The first ten titles included novels by Ernest Hemingway and Agatha Christie, and they were printed in large numbers to keep the cost of each copy down.

The books were also carefully designed. Each cover had three horizontal bands, with the title and author set in clean type across a white centre. The colour of the bands told readers what kind of book they were holding: orange for general fiction, green for crime and dark blue for biography. A small penguin drawn for the logo became one of the best-known symbols in publishing.

Other publishers were sceptical. Many feared that cheap editions would destroy the market for their hardbacks, and some booksellers refused to stock the new series. The breakthrough came when a large chain of variety stores placed an order for tens of thousands of copies. Suddenly serious literature was being sold next to kitchen goods and sweets, to people who might never have walked into a bookshop.

The timing turned out to be important. During the Second World War, paper was rationed and reading became one of the few affordable entertainments. Paperbacks were light enough to be carried in a coat pocket or a soldier's kit bag, and special editions were printed for the armed forces. By the end of the war, the paperback had become an ordinary part of daily life.

Today it is hard to imagine a time when owning books was a mark of wealth. Yet the modern paperback is less than a century old, and it came about because one publisher believed that ordinary readers wanted good books and would buy them if the price was right. That belief has been proved correct many times since, by every new format that has made reading cheaper and easier.
"""),
    # Lives in the damaged gzip member: a reader must skip it and carry on.
    "chain": ("Five Minutes a Week for a Quieter Bicycle Chain", """
A dirty chain is the most common reason a bicycle feels slow and sounds rough. Road grit mixes with old oil to form a grinding paste that wears out the chain, the sprockets and the chainrings far sooner than necessary. The cure takes about five minutes a week, and it needs nothing more than two rags, a bottle of chain oil and a little patience.

Shift into a middle gear, hold a rag loosely around the lower run of the chain and turn the pedals backwards for half a minute. Most of the grime comes off in the cloth. If the chain is very dirty, scrub it with an old toothbrush and a little degreaser, then rinse it with warm water and let it dry completely before going any further.

Apply one small drop of oil to each roller while turning the pedals slowly. Let it soak in for a few minutes, then wipe off the excess with a clean cloth. Oil on the outside of the chain does nothing useful and only attracts more dirt, so be generous with the wiping and mean with the bottle.

Done every week, this simple routine can double the life of a chain, keeps shifting crisp and quiet, and saves the cost of new sprockets, which wear quickly once a chain has stretched.
"""),
    # PII pages: real-looking contact details inside otherwise good prose; they must be kept and scrubbed.
    "choir": ("Booking Tickets for the Spring Concert Is Now Online", """
After years of selling concert tickets from a folding table in the church hall, the Riverside Community Choir has finally moved its bookings online. From this week, members of the public can reserve seats for the spring concert through the new form on our website, choose where they would like to sit and pay in advance. Paper tickets will still be available at the door for anyone who prefers them.

The system was set up by our treasurer, Margaret Olsen, who spent much of the winter testing it with the help of two volunteers. If you have any questions about your booking, you can write to her directly at margaret.olsen@riverside-choir.example or send a message to the box office address, tickets@riverside-choir.example. For urgent problems on the day of the concert, please call the box office on +1 415 555 0142 between nine in the morning and six in the evening.

Several members asked how they could try the form without spending any money. The payment provider offers a test mode for exactly this purpose. While the form is in test mode, you can enter the card number 4111 1111 1111 1111 with any future expiry date and any three-digit security code, and the booking will go through without a real charge. Please do not use this number once the live system is switched on, because it will simply be declined.

We know that online forms are not for everyone. Our longtime member Harold, who has sung bass with the choir for more than thirty years, told us that he would keep buying his ticket at the door as he always has. That is perfectly fine. The aim of the new system is to make life easier for people who want it, not to shut anyone out.

Rehearsals continue every Tuesday evening at seven o'clock. The programme for the spring concert includes several folk song arrangements, two short pieces written by a local composer and a joyful setting of a traditional hymn to finish. We hope to see many of you there, and we are grateful to everyone who helped test the booking form over the past few months.
"""),
    "makers": ("Moving Our Makerspace Website to a New Server", """
Last weekend we finally retired the old computer that had been running the makerspace website from a cupboard under the stairs. It had served us faithfully for almost nine years, but its disk was failing and it could no longer run the security updates we needed. This post explains what we did, in case other small community groups are facing the same decision.

The new website now lives on a small rented virtual server. Its public address is 81.2.69.142, and it also has an IPv6 address, 2a02:8010:6482:1::42, for visitors whose internet providers support the newer protocol. If you had bookmarked the old address or added it to a firewall rule, please update it, because the old machine has been switched off and will not come back.

Inside the building, nothing much has changed. The laser cutter, the printers and the shared file store are still on the internal network, and the file server can be reached at 192.168.10.20 from any of the workshop computers. That address only works when you are connected to the makerspace wireless network, so do not be surprised if it fails from home.

Moving the site took longer than expected. The old software was several versions out of date, and some of the member pages had to be copied across by hand. Our volunteer system administrator, Priya, spent two evenings checking every link and fixing the images that had gone missing along the way. We owe her a large box of biscuits.

If you notice anything broken, please send a short description to webmaster@hillside-makers.example, or call Priya on 020 7946 0371 during opening hours. Members who pay their subscription by card do not need to do anything, since payments are handled by an outside company and no card details were ever stored on our server.

The next step is to set up automatic backups to a second location, so that we are never again relying on a single ageing machine. We will report back on how that goes in a future post.
"""),
}

# Two near-duplicates of "erie": the same article syndicated elsewhere with a few words changed.
NEAR_DUPLICATE_EDITS = {
    "upstate": [("many people thought", "plenty of people thought"), ("was absurd", "was foolish"),
                ("The effect on trade was immediate", "The effect on commerce was immediate"),
                ("pleasure boats, while cyclists", "pleasure boats, while walkers and cyclists")],
    "digest": [("Much of the digging", "Most of the digging"), ("about nine days", "nine days"),
               ("in about a decade", "in roughly ten years"),
               ("Yet the basic lesson", "Yet the central lesson")],
}

FOREIGN = {
    "fr": ("Le marché du samedi matin", """
Chaque samedi matin, la place de l'église se transforme en un grand marché coloré. Dès sept heures, les producteurs des villages voisins installent leurs étals sous les platanes : légumes de saison, fromages de chèvre, miel de lavande, pain encore chaud et fleurs coupées le matin même. Les habitants arrivent peu à peu, un panier au bras, et prennent le temps de discuter avec des vendeurs qu'ils connaissent souvent depuis des années.

Ce marché n'est pas seulement un lieu d'achat. C'est aussi un moment de rencontre, où l'on échange des nouvelles, des recettes et des conseils de jardinage. Les enfants goûtent les fraises que leur tend la maraîchère, tandis que leurs parents hésitent entre deux variétés de tomates anciennes. Au café d'en face, les terrasses se remplissent dès dix heures.

Depuis quelques années, la municipalité encourage les circuits courts. Les produits vendus doivent venir de moins de cinquante kilomètres, et les emballages en plastique sont peu à peu remplacés par des sacs en papier ou en tissu. Les commerçants reconnaissent que ces règles demandent un effort, mais la plupart estiment qu'elles ont attiré une clientèle plus fidèle.

Si vous passez dans la région, arrivez tôt : les meilleurs produits partent vite, et il n'y a rien de plus agréable que de flâner entre les étals pendant que la ville se réveille.
"""),
    "de": ("Warum sich eine eigene Fahrradwerkstatt im Keller lohnt", """
Wer regelmäßig mit dem Fahrrad fährt, kennt das Problem: Kurz vor einer Tour ist der Reifen platt, die Bremsen quietschen oder die Kette springt bei jedem Schalten. Die Werkstatt ist oft ausgebucht, und für kleine Reparaturen lohnt sich der Weg kaum. Mit etwas Werkzeug und ein wenig Übung lassen sich die meisten dieser Arbeiten jedoch problemlos zu Hause erledigen.

Für den Anfang reicht eine überschaubare Grundausstattung. Dazu gehören ein Satz Innensechskantschlüssel, Reifenheber, eine Standpumpe mit Druckanzeige, Flickzeug und ein Kettennieter. Ein einfacher Montageständer ist nicht unbedingt nötig, erleichtert die Arbeit aber erheblich, weil das Rad in bequemer Höhe steht und sich die Pedale frei drehen lassen.

Die wichtigste Pflege ist zugleich die einfachste: Die Kette sollte regelmäßig gereinigt und sparsam geölt werden. Eine saubere Kette läuft leiser, schaltet genauer und verschleißt deutlich langsamer. Auch der Reifendruck verdient Aufmerksamkeit, denn zu weiche Reifen erhöhen den Rollwiderstand und das Risiko einer Panne.

Wer sich unsicher ist, findet in vielen Städten offene Selbsthilfewerkstätten. Dort stehen Werkzeug und erfahrene Helfer bereit, und man lernt nebenbei, wie das eigene Rad eigentlich funktioniert. Das spart nicht nur Geld, sondern macht auch unabhängiger.
"""),
    "es": ("Una breve historia del chocolate en España", """
El chocolate llegó a España en el siglo XVI, poco después de los primeros viajes al continente americano. Los pueblos de Mesoamérica lo consumían desde hacía siglos como una bebida amarga, preparada con granos de cacao molidos, agua y especias. Los españoles adaptaron la receta a su gusto: añadieron azúcar, canela y vainilla, y empezaron a servirlo caliente.

Durante mucho tiempo, el chocolate fue un lujo reservado a la nobleza y al clero. Se tomaba en tazas pequeñas, a menudo acompañado de bizcochos o de pan tostado, y se convirtió en parte de la vida social de las casas acomodadas. Los monasterios tuvieron un papel importante en su difusión, ya que muchos conventos lo elaboraban y lo enviaban como regalo.

Con el paso de los siglos, la bebida se hizo más accesible. En el siglo XIX aparecieron las primeras fábricas que producían tabletas de chocolate, y las chocolaterías se multiplicaron en las ciudades. Hoy en día, tomar chocolate con churros sigue siendo una costumbre muy extendida, sobre todo en las mañanas frías de invierno o después de una larga noche de fiesta.

Quien visite Madrid puede probarlo en alguna de las chocolaterías tradicionales del centro, algunas de las cuales llevan abiertas más de cien años.
"""),
    "zh": ("如何冲泡一杯好绿茶", """
绿茶是中国最古老、也是最受欢迎的茶类之一。与红茶不同，绿茶在加工过程中不经过发酵，因此保留了茶叶本身的清香和鲜爽的味道。常见的品种有西湖龙井、碧螺春和黄山毛峰，每一种都有自己独特的外形和香气。

冲泡绿茶最重要的是水温。水太热会把嫩叶烫熟，使茶汤发苦；水太凉又泡不出香味。一般来说，八十度左右的水最为合适。如果没有温度计，可以先把水烧开，再让它静置几分钟。

茶具最好选用透明的玻璃杯，这样可以欣赏茶叶在水中慢慢舒展、上下浮动的样子。先在杯中放入三克左右的茶叶，倒入少量热水润湿，等香气散发出来后，再把水加到七分满。大约两三分钟后就可以品尝了。

好的绿茶可以冲泡三次左右。第一泡香气最浓，第二泡味道最醇，第三泡则较为清淡。喝茶不仅是为了解渴，更是一种放慢脚步、享受生活的方式。
"""),
}

# ---- low-quality English pages, each built to fail one quality filter first -------------------

# A directory page: nothing but short list lines without a sentence among them.
DIRECTORY_ITEMS = [
    "Accountants and tax advisers", "Airport taxis and transfers", "Animal hospitals", "Antique dealers",
    "Architects", "Bakeries and cake shops", "Bathroom fitters", "Beauty salons", "Bicycle repairs",
    "Boat hire", "Bookkeeping services", "Builders and extensions", "Butchers", "Car body repairs",
    "Car hire", "Carpet cleaning", "Caterers for weddings", "Chimney sweeps", "Childminders",
    "Computer repairs", "Counselling services", "Dance schools", "Dentists", "Driving schools",
    "Dry cleaners", "Electricians", "Estate agents", "Fencing contractors", "Florists",
    "Funeral directors", "Garden centres", "Gas engineers", "Glaziers", "Guest houses",
    "Gyms and fitness studios", "Hairdressers", "Hardware stores", "Hotels", "Insurance brokers",
    "Joiners", "Kitchen fitters", "Laundrettes", "Locksmiths", "Mobile phone repairs",
    "Music teachers", "Opticians", "Painters and decorators", "Pet groomers", "Pharmacies",
    "Photographers", "Physiotherapists", "Plasterers", "Plumbers", "Printers", "Removal firms",
    "Roofers", "Solicitors", "Tailors and alterations", "Tree surgeons", "Tyre fitters",
    "Upholsterers", "Veterinary surgeons", "Window cleaners", "Yoga classes",
]

# Keyword-stuffed spam: every line is different (so extraction does not collapse it) but a few
# phrases dominate the text.
SPAM_LINES = [
    "Cheap phone cases online at the best price, buy cheap phone cases online today.",
    "Best cheap phone cases online with free delivery on cheap phone cases online.",
    "Buy cheap phone cases online now because cheap phone cases online are the best phone cases.",
    "Our cheap phone cases online store has the best cheap phone cases online for every phone.",
    "Looking for cheap phone cases online? Buy cheap phone cases online from the best shop.",
    "Cheap phone cases online for sale, the best cheap phone cases online deals are here.",
    "Order cheap phone cases online and save on cheap phone cases online every single day.",
    "The best cheap phone cases online, the cheapest phone cases online, cheap phone cases.",
    "Cheap phone cases online with fast delivery, buy the best cheap phone cases online today.",
    "Why pay more? Cheap phone cases online, best phone cases online, cheap phone cases online.",
    "Find cheap phone cases online and buy cheap phone cases online from our phone cases shop.",
    "Cheap phone cases online here, best prices on cheap phone cases online, buy phone cases now.",
]

LOREM = ("This is a sample post that ships with the Harbour theme. It shows how ordinary paragraphs, "
         "quotations and images look once the theme is installed, so that you can judge the layout "
         "before you write anything yourself. Replace this text with your own words whenever you are "
         "ready, and delete the post when you no longer need it.\n\n"
         "The theme uses a comfortable reading width and a generous line height, which makes long "
         "articles easier on the eyes. Headings are set in a slightly heavier weight, and links are "
         "underlined so that readers can always tell what is clickable. You can change the accent "
         "colour from the settings page without touching any code.\n\n"
         "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt "
         "ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation "
         "ullamco laboris nisi ut aliquip ex ea commodo consequat.\n\n"
         "If you have questions about the theme, the documentation explains every option in detail, "
         "and the support forum is a friendly place to ask for help. We hope you enjoy writing with "
         "it, and we would love to see what you build.")

# A page of tiny poems: proper sentences, but almost every line is under 30 characters.
POEMS = [
    ("Monday", ["The kettle hums at six.", "Rain taps the window.", "The cat refuses to move.",
                "I cannot blame her."]),
    ("Tuesday", ["Umbrellas crowd the bus.", "A child draws on the fog.", "Her mother pretends not to see.",
                 "The driver whistles softly."]),
    ("Wednesday", ["Puddles gather in the yard.", "Sparrows bathe in one.", "They argue about the water.",
                   "Nobody wins the argument."]),
    ("Thursday", ["The gutter overflows again.", "My neighbour fetches a ladder.", "We drink tea afterwards.",
                  "Nothing is really fixed."]),
    ("Friday", ["A thin gold light appears.", "Windows open along the street.", "Somebody starts singing.",
                "The rain listens politely."]),
    ("Saturday", ["The market smells of bread.", "Wet flowers fill the buckets.", "I buy more than I need.",
                  "The basket grows heavy."]),
    ("Sunday", ["Clouds gather once more.", "The garden drinks quietly.", "I read beside the stove.",
                "The week closes gently."]),
]


# ----------------------------------------------------------------------------------------------
# HTML templates: real-looking boilerplate (menus, cookie banners, share buttons, related posts,
# comments, footers) around the article, in a few different layouts.

def paragraphs(text: str) -> list[str]:
    """Split a prose block into paragraphs (subheadings keep their "## " marker)."""
    return [p.strip() for p in text.strip().split("\n\n") if p.strip()]


def body_html(text: str, p_class: str = "") -> str:
    """Render paragraphs as <p> and "## " lines as <h2>."""
    attr = f' class="{p_class}"' if p_class else ""
    out = []
    for p in paragraphs(text):
        if p.startswith("## "):
            out.append(f"<h2>{html.escape(p[3:])}</h2>")
        else:
            out.append(f"<p{attr}>{html.escape(p, quote=False)}</p>")
    return "\n".join(out)


@dataclasses.dataclass(frozen=True)
class Site:
    host: str  # e.g. "www.slowpot-kitchen.example"
    name: str  # shown in the header and footer
    nav: tuple[str, ...]  # top menu entries
    author: str  # byline
    lang: str = "en"


COOKIE_EN = ("We use cookies to improve your experience and to show you relevant offers. By continuing "
             "to browse this site you agree to our use of cookies.")


def page_blog(site: Site, title: str, text: str, date: str, related: list[tuple[str, str]],
              charset: str | None = "utf-8") -> str:
    """A WordPress-like blog page."""
    nav = "".join(f'<li class="menu-item"><a href="/{n.lower().replace(" ", "-")}/">{html.escape(n)}</a></li>'
                  for n in site.nav)
    rel = "".join(f'<li><a href="{u}">{html.escape(t)}</a></li>' for t, u in related)
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"""<!DOCTYPE html>
<html lang="{site.lang}">
<head>
{meta}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} | {html.escape(site.name)}</title>
<link rel="stylesheet" href="/wp-content/themes/harbour/style.css">
<script async src="/wp-content/plugins/analytics/tracker.js"></script>
</head>
<body class="post-template-default single single-post">
<div id="cookie-notice" class="cookie-banner" role="dialog">
<p>{COOKIE_EN}</p>
<button class="accept">Accept all</button> <button class="settings">Manage preferences</button>
</div>
<header id="masthead" class="site-header">
<div class="site-branding"><a href="/" rel="home">{html.escape(site.name)}</a></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{nav}</ul></nav>
<form class="search-form" action="/"><input type="search" placeholder="Search this site"></form>
</header>
<div id="content" class="site-content">
<main id="main" class="site-main">
<article class="post type-post status-publish hentry">
<header class="entry-header">
<h1 class="entry-title">{html.escape(title)}</h1>
<div class="entry-meta">Posted on <time datetime="{date}">{date}</time> by <span class="author vcard">{html.escape(site.author)}</span></div>
</header>
<div class="entry-content">
{body_html(text)}
</div>
<footer class="entry-footer">
<div class="sharedaddy share-buttons"><h3 class="sd-title">Share this:</h3>
<ul><li><a class="share-facebook" href="#">Facebook</a></li><li><a class="share-twitter" href="#">Twitter</a></li>
<li><a class="share-email" href="#">Email</a></li><li><a class="share-print" href="#">Print</a></li></ul></div>
<span class="cat-links">Posted in <a href="/category/articles/">Articles</a></span>
</footer>
</article>
<aside class="related-posts"><h3>Related posts</h3><ul>{rel}</ul></aside>
<div id="comments" class="comments-area">
<h2 class="comments-title">2 thoughts on this post</h2>
<ol class="comment-list">
<li class="comment"><div class="comment-author">Sam</div><div class="comment-content"><p>Great post, thanks for sharing this with us!</p></div></li>
<li class="comment"><div class="comment-author">Lee</div><div class="comment-content"><p>Bookmarked for later. Keep up the good work.</p></div></li>
</ol>
<div id="respond" class="comment-respond"><h3>Leave a Reply</h3><p class="comment-notes">Your email address will not be published.</p></div>
</div>
</main>
<aside id="secondary" class="widget-area">
<section class="widget widget_newsletter"><h2 class="widget-title">Newsletter</h2><p>Get new posts by email every Friday.</p><input type="email" placeholder="Your email"><button>Subscribe</button></section>
<section class="widget widget_categories"><h2 class="widget-title">Categories</h2><ul><li>Articles</li><li>News</li><li>Guides</li></ul></section>
</aside>
</div>
<footer id="colophon" class="site-footer">
<div class="site-info">Copyright 2099 {html.escape(site.name)}. All rights reserved. <a href="/privacy-policy/">Privacy policy</a> | <a href="/terms/">Terms of use</a> | <a href="/contact/">Contact</a></div>
</footer>
<script src="/wp-includes/js/jquery.min.js"></script>
</body>
</html>
"""


def page_news(site: Site, title: str, text: str, date: str, related: list[tuple[str, str]],
              charset: str | None = "utf-8") -> str:
    """An older div-soup news layout with a ticker, teasers and a newsletter box."""
    nav = " ".join(f'<a class="navlink" href="/section/{n.lower().replace(" ", "-")}">{html.escape(n)}</a>'
                   for n in site.nav)
    rel = "".join(f'<div class="teaser"><a href="{u}">{html.escape(t)}</a> <span class="more">Read more</span></div>'
                  for t, u in related)
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"""<html>
<head>
{meta}
<title>{html.escape(title)} - {html.escape(site.name)}</title>
<script>window.dataLayer = window.dataLayer || []; dataLayer.push(["page", "article"]);</script>
</head>
<body>
<div class="topbar"><span class="ticker">Breaking: traffic delays on the ring road this morning</span> <a href="/login">Sign in</a> <a href="/subscribe">Subscribe</a></div>
<div class="header"><div class="logo"><a href="/">{html.escape(site.name)}</a></div><div class="menu">{nav}</div></div>
<div class="consent-overlay" id="gdpr-consent"><div class="consent-box">{COOKIE_EN} <a href="/cookies">Cookie settings</a> <a href="#" class="btn">OK</a></div></div>
<div class="breadcrumbs"><a href="/">Home</a> &gt; <a href="/section/features">Features</a></div>
<div id="content" class="main-column">
<div class="article-header"><h1 class="headline">{html.escape(title)}</h1>
<div class="byline">By {html.escape(site.author)} | {date} | 5 min read</div></div>
<div class="ad-slot">Advertisement</div>
<div class="article-body" itemprop="articleBody">
{body_html(text)}
</div>
<div class="social-share">Share: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">WhatsApp</a> <a href="#">Copy link</a></div>
<div class="newsletter-box"><b>Enjoyed this story?</b> Sign up for our daily briefing and never miss a headline. <input type="text" placeholder="Email address"> <a href="#">Sign up</a></div>
<div class="more-stories"><h3>More stories</h3>{rel}</div>
</div>
<div class="sidebar"><div class="most-read"><h3>Most read</h3><ol><li><a href="/a">Council approves new bus lanes</a></li><li><a href="/b">Weekend weather: sunshine at last</a></li><li><a href="/c">Library extends its opening hours</a></li></ol></div></div>
<div class="footer"><p>Copyright 2099 {html.escape(site.name)}. <a href="/about">About us</a> <a href="/privacy">Privacy</a> <a href="/advertise">Advertise</a> <a href="/contact">Contact</a></p></div>
</body>
</html>
"""


def page_magazine(site: Site, title: str, text: str, date: str, related: list[tuple[str, str]],
                  charset: str | None = "utf-8", chrome: dict | None = None) -> str:
    """A modern magazine layout (HTML5 sections, a sticky header and a "you might also like" rail).
    ``chrome`` overrides the English boilerplate strings (used for the non-English pages)."""
    c = {"cookie": COOKIE_EN, "accept": "Got it", "share": "Share this story", "also": "You might also like",
         "rights": "All rights reserved.", "about": "About", "privacy": "Privacy", "newsletter":
         "Our weekly newsletter brings you the best new stories every Sunday morning.", "by": "Words by"}
    c.update(chrome or {})
    nav = "".join(f'<li><a href="/{i}/">{html.escape(n)}</a></li>' for i, n in enumerate(site.nav))
    rel = "".join(f'<li class="card"><a href="{u}"><span class="card-title">{html.escape(t)}</span></a></li>'
                  for t, u in related)
    meta = f'<meta charset="{charset}">' if charset else ""
    return f"""<!doctype html>
<html lang="{site.lang}">
<head>
{meta}
<title>{html.escape(title)}</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="{html.escape(site.name)}">
<script type="application/ld+json">[]</script>
</head>
<body>
<header class="sticky-header"><a class="logo" href="/">{html.escape(site.name)}</a>
<nav aria-label="Main"><ul>{nav}</ul></nav></header>
<section class="cookie-consent" aria-label="Cookies"><p>{html.escape(c["cookie"])}</p><button>{html.escape(c["accept"])}</button></section>
<main>
<article>
<h1>{html.escape(title)}</h1>
<p class="byline"><span class="author">{html.escape(c["by"])} {html.escape(site.author)}</span> <time>{date}</time></p>
<section class="article-text">
{body_html(text)}
</section>
</article>
<div class="share" aria-label="{html.escape(c["share"])}"><span>{html.escape(c["share"])}</span> <a href="#">Facebook</a> <a href="#">LinkedIn</a> <a href="#">Email</a></div>
<section class="related"><h2>{html.escape(c["also"])}</h2><ul>{rel}</ul></section>
</main>
<footer><p>{html.escape(c["newsletter"])}</p><p>Copyright 2099 {html.escape(site.name)}. {html.escape(c["rights"])} <a href="/about">{html.escape(c["about"])}</a> <a href="/privacy">{html.escape(c["privacy"])}</a></p></footer>
</body>
</html>
"""


def page_plain(site: Site, title: str, inner_html: str) -> str:
    """A bare page for the low-quality, spam and blocklisted cases (still with a menu and footer)."""
    nav = " | ".join(f'<a href="/{n.lower()}">{html.escape(n)}</a>' for n in site.nav)
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(title)}</title></head>
<body>
<div class="nav">{nav}</div>
<div id="main">
<h1>{html.escape(title)}</h1>
{inner_html}
</div>
<div class="footer">Copyright 2099 {html.escape(site.name)}</div>
</body>
</html>
"""


# ----------------------------------------------------------------------------------------------
# The sites that host the English articles: (site, path, template, date, related posts).

def _site(host, name, nav, author, lang="en"):
    return Site(host, name, tuple(nav), author, lang)


NAV_EN = ["Home", "Articles", "Guides", "About", "Contact"]
ARTICLE_SITES = {
    "erie": (_site("www.riverlandhistory.example", "Riverland History Society", NAV_EN, "Thomas Whitfield"),
             "/2098/11/erie-canal-clintons-ditch/", page_blog, "2098-11-04",
             ["The Forgotten Lighthouses of Lake Ontario", "Life Aboard a Canal Boat in 1840",
              "Why Mill Towns Grew Where They Did"]),
    "braising": (_site("www.slowpot-kitchen.example", "Slowpot Kitchen", ["Recipes", "Techniques", "Equipment",
                                                                           "About"], "Nadia Brennan"),
                 "/techniques/braising-guide", page_magazine, "2098-10-12",
                 ["Stock From Scratch in One Afternoon", "Choosing a Cast Iron Pot", "Ten Uses for Leftover Wine"]),
    "jupiter": (_site("www.darkskies-notebook.example", "Dark Skies Notebook", NAV_EN, "Owen Marsh"),
                "/observing/jupiter-moons-binoculars/", page_blog, "2098-12-02",
                ["Finding the Andromeda Galaxy", "A Beginner's Guide to Meteor Showers",
                 "Why Stars Twinkle and Planets Do Not"]),
    "compost": (_site("www.greenfingers-allotment.example", "Greenfingers Allotment News",
                      ["News", "Growing", "Wildlife", "Events", "Members"], "Ruth Adebayo"),
                "/growing/compost-without-the-fuss.html", page_news, "2098-09-21",
                ["Saving Tomato Seed for Next Year", "Leaf Mould: The Easiest Soil Improver",
                 "Planning a Winter Vegetable Bed"]),
    "tokenizer": (_site("www.byteandbranch.example", "Byte and Branch", ["Posts", "Notes", "Projects", "About"],
                        "Ines Kowalczyk"),
                  "/posts/byte-pair-encoding-intro/", page_blog, "2098-12-19",
                  ["Reading Binary Files Without Fear", "What a Hash Table Really Does",
                   "Notes on Writing Small Command Line Tools"]),
    "travel": (_site("www.longwalks-journal.example", "Long Walks Journal", ["Routes", "Gear", "Stories", "About"],
                     "Catherine Doyle"),
               "/stories/fishermens-trail-portugal", page_news, "2098-06-30",
               ["Two Days on the Ridgeway", "Packing Light for a Week on Foot", "The Quiet Valleys of the Pyrenees"]),
    "sleep": (_site("www.mindandbody-review.example", "Mind and Body Review", ["Health", "Science", "Wellbeing",
                                                                               "Podcast"], "Dr. Helen Ford"),
              "/science/sleep-and-memory", page_news, "2098-08-14",
              ["How Exercise Changes the Brain", "The Truth About Power Naps", "Why We Forget Names"]),
    "piano": (_site("www.lateblooming-musician.example", "The Late Blooming Musician", NAV_EN, "Daniel Okafor"),
              "/2098/05/learning-piano-as-an-adult/", page_blog, "2098-05-09",
              ["My First Recital", "Choosing a Digital Piano", "How I Practise Scales Without Getting Bored"]),
    "interest": (_site("www.plainmoney.example", "Plain Money", ["Saving", "Debt", "Pensions", "Tools"],
                       "Arjun Mehta"),
                 "/saving/compound-interest-explained", page_magazine, "2098-07-01",
                 ["How to Build an Emergency Fund", "Understanding Your Payslip", "Fixed or Variable Rates?"]),
    "bees": (_site("www.hivecraft.example", "Hivecraft", ["Beekeeping", "Science", "Shop", "About"], "Lena Fischer"),
             "/science/waggle-dance/", page_blog, "2098-04-18",
             ["Preparing Hives for Winter", "What Bees Do in the Rain", "Reading a Brood Frame"]),
    "tap": (_site("www.fixitathome.example", "Fix It At Home", ["Plumbing", "Electrics", "Woodwork", "Tools"],
                  "Gareth Price"),
            "/plumbing/fix-a-dripping-tap", page_magazine, "2098-03-27",
            ["Bleeding a Radiator", "Unblocking a Sink Without Chemicals", "Replacing a Toilet Fill Valve"]),
    "paperback": (_site("www.paperandink-history.example", "Paper and Ink", ["History", "Design", "Authors",
                                                                             "Archive"], "Miriam Sutherland"),
                  "/history/the-sixpenny-paperback/", page_magazine, "2098-02-11",
                  ["The Story of the Pocket Dictionary", "Who Invented the Dust Jacket?",
                   "Lending Libraries and the Victorian Novel"]),
    "chain": (_site("www.twowheels-weekly.example", "Two Wheels Weekly", ["News", "Maintenance", "Routes", "Reviews"],
                    "Marco Bellini"),
              "/maintenance/clean-chain.html", page_news, "2098-12-28",
              ["Fixing a Puncture at the Roadside", "Adjusting Rim Brakes", "Winter Tyres: Are They Worth It?"]),
    "choir": (_site("www.riverside-choir.example", "Riverside Community Choir", ["Home", "Concerts", "Join us",
                                                                                 "News"], "Margaret Olsen"),
              "/news/online-booking.html", page_blog, "2099-01-08",
              ["Spring Concert Programme Announced", "Welcome to Our New Members", "Thank You, Harold"]),
    "makers": (_site("blog.hillside-makers.example", "Hillside Makerspace", ["Blog", "Workshop", "Membership",
                                                                              "Events"], "Priya Raman"),
               "/2099/01/new-server.html", page_blog, "2099-01-11",
               ["Our New Laser Cutter Is Here", "Open Evening in February", "Safety Induction Dates"]),
}


def url_of(slug: str) -> str:
    site, path = ARTICLE_SITES[slug][:2]
    return f"https://{site.host}{path}"


def render_article(slug: str, text: str | None = None, site: Site | None = None, template=None,
                   charset: str | None = "utf-8") -> str:
    """Render one of ARTICLES in its site's template (optionally overriding text, site, layout)."""
    default_site, path, default_template, date, related = ARTICLE_SITES[slug]
    site = site or default_site
    title, default_text = ARTICLES[slug]
    links = [(t, f"/{t.lower().replace(' ', '-').replace('?', '').replace(':', '')}/") for t in related]
    return (template or default_template)(site, title, text or default_text, date, links, charset=charset)


def smart_quotes(s: str) -> str:
    """Typographic quotes and dashes, as a windows-1252 site would have them."""
    out, open_quote = [], True
    for ch in s:
        if ch == '"':
            out.append("\u201c" if open_quote else "\u201d")
            open_quote = not open_quote
        elif ch == "'":
            out.append("\u2019")
        else:
            out.append(ch)
    return "".join(out).replace(" - ", " \u2013 ")


# ----------------------------------------------------------------------------------------------
# Non-HTML payloads.

def tiny_pdf() -> bytes:
    """A one-page PDF with a correct xref table (about 600 bytes)."""
    stream = b"BT /F1 14 Tf 40 60 Td (Riverland History Society: annual report 2098) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 120] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def tiny_png(width: int = 16, height: int = 16) -> bytes:
    """A valid RGB PNG: a small two-colour checkerboard."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"".join(b"\x2e\x5e\x8c" if (x // 4 + y // 4) % 2 else b"\xf2\xe8\xd5"
                                        for x in range(width)) for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


# ----------------------------------------------------------------------------------------------
# The crawl, in crawl order.

@dataclasses.dataclass(frozen=True)
class Page:
    url: str
    kind: str  # one line for the README
    expected: str  # "kept" or "<stage>:<reason or 'dropped'>"
    body: bytes = b""  # HTTP payload exactly as on the wire (after any Content-Encoding)
    content_type: str = "text/html; charset=utf-8"  # the HTTP Content-Type header
    status: str = "200 OK"
    headers: tuple[tuple[str, str], ...] = ()  # extra HTTP headers
    record: str = "response"  # "response" or "revisit"
    damaged: bool = False  # corrupt this record's gzip member after writing


def html_page(url, kind, expected, doc: str, **kw) -> Page:
    return Page(url, kind, expected, doc.encode("utf-8"), **kw)


def build_pages() -> list[Page]:
    """Every response (and the revisit) in the sample, in the order they are written."""
    erie_html = render_article("erie")
    erie_text = ARTICLES["erie"][1]

    def near_duplicate(name):
        text = erie_text
        for old, new in NEAR_DUPLICATE_EDITS[name]:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        return text

    upstate = _site("www.upstate-daily.example", "Upstate Daily", ["News", "Sport", "Business", "Features"],
                    "Thomas Whitfield")
    digest = _site("www.historyreader-digest.example", "History Reader Digest", ["Eras", "People", "Places"],
                   "Thomas Whitfield")
    lowq = _site("www.citylistings-hub.example", "City Listings Hub", ["Home", "Directory", "Add a listing"], "")
    spam = _site("best-cheap-deals-online.example", "Best Cheap Deals", ["Home", "Cases", "Chargers"], "")
    theme = _site("demo.harbour-theme.example", "Harbour Theme Demo", ["Home", "Blog", "Shop"], "")
    poems = _site("www.rainyweek-poems.example", "A Rainy Week", ["Home", "Poems", "About"], "")
    adult = _site("live.chaturbate.com", "Velvet Lounge", ["Home", "Members", "Join"], "")
    tube = _site("www.media-archive.example", "Media Archive", ["Home", "Categories", "Upload"], "")

    travel_cp1252 = render_article("travel", text=smart_quotes(ARTICLES["travel"][1]), charset="windows-1252")
    travel_cp1252 = travel_cp1252.replace(ARTICLES["travel"][0], smart_quotes(ARTICLES["travel"][0]))
    foreign_chrome = {
        "fr": {"cookie": "Nous utilisons des cookies pour améliorer votre expérience sur notre site.",
               "accept": "J'accepte", "share": "Partager cet article", "also": "À lire aussi",
               "rights": "Tous droits réservés.", "about": "À propos", "privacy": "Confidentialité",
               "newsletter": "Recevez chaque semaine nos meilleurs articles.", "by": "Par"},
        "de": {"cookie": "Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten.",
               "accept": "Einverstanden", "share": "Artikel teilen", "also": "Das könnte Sie auch interessieren",
               "rights": "Alle Rechte vorbehalten.", "about": "Über uns", "privacy": "Datenschutz",
               "newsletter": "Unser Newsletter erscheint jeden Sonntag.", "by": "Von"},
        "es": {"cookie": "Utilizamos cookies para mejorar su experiencia de navegación.",
               "accept": "Aceptar", "share": "Compartir", "also": "También te puede interesar",
               "rights": "Todos los derechos reservados.", "about": "Quiénes somos", "privacy": "Privacidad",
               "newsletter": "Suscríbase a nuestro boletín semanal.", "by": "Por"},
        "zh": {"cookie": "本网站使用 Cookie 来改善您的浏览体验。", "accept": "同意", "share": "分享本文",
               "also": "相关阅读", "rights": "版权所有。", "about": "关于我们", "privacy": "隐私政策",
               "newsletter": "订阅我们的每周精选。", "by": "作者"},
    }
    foreign_sites = {
        "fr": (_site("www.la-gazette-du-village.example", "La Gazette du Village", ["Accueil", "Vie locale",
               "Agenda", "Contact"], "Claire Dubois", "fr"), "/vie-locale/marche-du-samedi.html",
               ["La fête de la musique approche", "Nouvelle piste cyclable"]),
        "de": (_site("www.radwerk-magazin.example", "Radwerk Magazin", ["Start", "Werkstatt", "Touren",
               "Kontakt"], "Jonas Weber", "de"), "/werkstatt/eigene-fahrradwerkstatt/",
               ["Schläuche richtig flicken", "Die schönsten Radwege am Rhein"]),
        "es": (_site("www.sabores-de-siempre.example", "Sabores de Siempre", ["Inicio", "Historia", "Recetas",
               "Contacto"], "Lucía Navarro", "es"), "/historia/chocolate-en-espana",
               ["El origen del turrón", "Cómo hacer churros en casa"]),
        "zh": (_site("www.chaxiang-notes.example", "茶香笔记", ["首页", "茶类", "茶具", "关于"], "林晓",
                     "zh"), "/green-tea/how-to-brew.html", ["白茶的储存方法", "紫砂壶入门"]),
    }

    def foreign(lang):
        site, path, related = foreign_sites[lang]
        title, text = FOREIGN[lang]
        links = [(t, f"/related-{i}/") for i, t in enumerate(related)]
        doc = page_magazine(site, title, text, "2098-11-20", links, chrome=foreign_chrome[lang])
        return html_page(f"https://{site.host}{path}", f"{lang} article", "language:dropped", doc)

    directory = "<p>Browse local businesses by category.</p>\n<ul class=\"categories\">" + "".join(
        f"<li>{html.escape(item)}</li>" for item in DIRECTORY_ITEMS) + "</ul>"
    spam_html = "".join(f"<p>{html.escape(line)}</p>" for line in SPAM_LINES)
    poems_html = "".join(f"<h2>{day}</h2><p>" + "<br>".join(lines) + "</p>" for day, lines in POEMS)
    empty = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title></title>"
             "<script>window.__APP_STATE__ = JSON.parse(\"[]\");</script></head>"
             "<body><div id=\"root\"></div><script src=\"/static/js/main.4f2a9c.js\"></script>"
             "<script>document.getElementById(\"root\").dataset.ready = \"1\";</script></body></html>")
    redirect_to = url_of("erie")
    redirect = (f"<html><head><title>301 Moved Permanently</title></head><body><h1>Moved Permanently</h1>"
                f"<p>The document has moved <a href=\"{redirect_to}\">here</a>.</p></body></html>")
    robots = ("User-agent: *\nDisallow: /wp-admin/\nDisallow: /search\nAllow: /wp-admin/admin-ajax.php\n\n"
              "Sitemap: https://www.riverlandhistory.example/sitemap.xml\n")
    # Sizes are of the encoded bodies, as a server would send them.
    braising_gz = gzip.compress(render_article("braising").encode("utf-8"), compresslevel=9, mtime=0)
    jupiter_br = brotli.compress(render_article("jupiter").encode("utf-8"), quality=9)

    return [
        Page("https://www.riverlandhistory.example/robots.txt", "robots.txt (text/plain)", "read:dropped",
             robots.encode(), content_type="text/plain"),
        html_page(url_of("erie"), "English article (history); original of a dedup cluster", "kept", erie_html),
        Page(url_of("braising"), "English article (cooking), HTTP body Content-Encoding: gzip", "kept",
             braising_gz, headers=(("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding"))),
        foreign("fr"),
        html_page(url_of("choir"), "English article with PII: e-mails, phone, test card number", "kept",
                  render_article("choir")),
        Page(url_of("jupiter"), "English article (astronomy), HTTP body Content-Encoding: br", "kept",
             jupiter_br, headers=(("Content-Encoding", "br"), ("Vary", "Accept-Encoding"))),
        html_page(f"https://{lowq.host}/directory/categories.html", "low quality: a list of short menu-like lines",
                  "gopher_quality:dropped", page_plain(lowq, "Business directory", directory)),
        html_page(url_of("compost"), "English article (gardening)", "kept", render_article("compost")),
        html_page(f"https://{upstate.host}/features/2098/11/erie-canal-history",
                  "near-duplicate of the Erie Canal article (4 words changed, other layout)", "dedup:dropped",
                  render_article("erie", near_duplicate("upstate"), upstate, page_news)),
        html_page(f"https://{adult.host}/", "blocklisted domain (URL filter's default list)", "url:dropped",
                  page_plain(adult, "Welcome to Velvet Lounge",
                             "<p>You must be 18 or older to enter this website.</p>"
                             "<p>Members only. Join today for unlimited access to our private lounge.</p>")),
        Page("https://www.riverlandhistory.example/files/annual-report-2098.pdf", "PDF response",
             "read:dropped", tiny_pdf(), content_type="application/pdf"),
        html_page(url_of("tokenizer"), "English article (programming; contains a literal <|endoftext|>)", "kept",
                  render_article("tokenizer")),
        foreign("de"),
        Page(url_of("travel"), "English article (travel), windows-1252 declared only in a meta tag", "kept",
             travel_cp1252.encode("cp1252"), content_type="text/html"),
        html_page(url_of("chain"), "DAMAGED: corrupted gzip member (English article inside)", "read:dropped",
                  render_article("chain"), damaged=True),
        html_page(url_of("sleep"), "English article (science)", "kept", render_article("sleep")),
        html_page(f"https://{spam.host}/cheap-phone-cases-online.html", "low quality: keyword-stuffed spam",
                  "gopher_repetition:dropped", page_plain(spam, "Cheap phone cases online", spam_html)),
        html_page("http://riverlandhistory.example/erie-canal", "301 redirect with a tiny HTML body",
                  "read:dropped", redirect, status="301 Moved Permanently", headers=(("Location", redirect_to),)),
        html_page(url_of("piano"), "English article (music)", "kept", render_article("piano")),
        foreign("es"),
        html_page("https://mirror.riverlandhistory.example/2098/11/erie-canal-clintons-ditch/",
                  "exact duplicate of the Erie Canal article (same bytes, other host)", "dedup:dropped", erie_html),
        html_page(url_of("makers"), "English article with PII: public IPv4/IPv6, private IP, e-mail, phone",
                  "kept", render_article("makers")),
        Page("https://www.riverlandhistory.example/images/canal-map-thumb.png", "PNG image response",
             "read:dropped", tiny_png(), content_type="image/png"),
        html_page(url_of("interest"), "English article (personal finance)", "kept", render_article("interest")),
        html_page(f"https://{theme.host}/blog/sample-post/", "low quality: theme demo with lorem ipsum",
                  "c4:dropped", page_plain(theme, "A sample post", body_html(LOREM))),
        html_page(f"https://{tube.host}/category/porn/page-2.html", "banned word in the URL path", "url:dropped",
                  page_plain(tube, "Latest uploads", "<p>Page 2 of 40. Sort by newest, most viewed or longest."
                                                     "</p><p>Nothing here is suitable for work.</p>")),
        html_page(url_of("bees"), "English article (natural history)", "kept", render_article("bees")),
        foreign("zh"),
        html_page("https://app.taskboard-online.example/dashboard", "no text: only scripts",
                  "extract:extract_empty", empty),
        html_page(f"https://{digest.host}/places/clintons-ditch",
                  "near-duplicate of the Erie Canal article (4 edits, other layout)", "dedup:dropped",
                  render_article("erie", near_duplicate("digest"), digest, page_magazine)),
        Page("https://www.riverlandhistory.example/about/", "revisit record (identical payload digest)",
             "read:dropped", record="revisit"),
        html_page(url_of("tap"), "English article (home repair)", "kept", render_article("tap")),
        html_page(f"https://{poems.host}/poems/a-rainy-week.html", "low quality: almost all lines are short",
                  "fineweb_quality:dropped", page_plain(poems, "A Rainy Week in Seven Small Poems", poems_html)),
        html_page(url_of("paperback"), "English article (publishing history)", "kept", render_article("paperback")),
    ]


# ----------------------------------------------------------------------------------------------
# Writing the WARC.

class _Ids:
    """Deterministic record ids and dates: record n gets uuid5(namespace, "record-n")."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> tuple[str, str]:
        self.n += 1
        rid = f"<urn:uuid:{uuid.uuid5(RECORD_ID_NAMESPACE, f'record-{self.n}')}>"
        date = START_DATE + datetime.timedelta(seconds=7 * self.n)
        return rid, date.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ip_of(host: str) -> str:
    """A stable documentation-range (TEST-NET-2) server address for the WARC-IP-Address header."""
    return f"198.51.100.{int(hashlib.md5(host.encode()).hexdigest(), 16) % 250 + 1}"


def _http_date(warc_date: str) -> str:
    d = datetime.datetime.strptime(warc_date, "%Y-%m-%dT%H:%M:%SZ")
    return d.strftime("%a, %d %b %Y %H:%M:%S GMT")


def write_warc(pages: list[Page], out: io.BytesIO) -> list[dict]:
    """Write warcinfo + a request/response/metadata triple per page; return one row per record.

    Args:
        pages: what to write, in order.
        out: where the gzip members go; the damaged members are corrupted afterwards.
    """
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    ids = _Ids()
    rows: list[dict] = []

    def emit(record, page: Page | None, kind: str) -> None:
        start = out.tell()
        writer.write_record(record)
        rows.append({"offset": start, "length": out.tell() - start,
                     "type": record.rec_headers.get_header("WARC-Type"),
                     "id": record.rec_headers.get_header("WARC-Record-ID"),
                     "url": page.url if page else "", "kind": kind,
                     "what": page.kind if page else "warcinfo",
                     "expected": page.expected if page and kind == "page" else "",
                     "damaged": bool(page and page.damaged and kind == "page")})

    info_id, info_date = ids.next()
    info = (b"software: tests/data/make_sample_warc.py (warcio WARCWriter)\r\n"
            b"format: WARC File Format 1.1\r\n"
            b"conformsTo: https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/\r\n"
            b"isPartOf: " + CRAWL_ID.encode() + b"\r\n"
            b"description: Sample crawl written by the curation project for its tests; all content is "
            b"original and every host is under the reserved .example TLD.\r\n"
            b"operator: curation test suite\r\n"
            b"robots: checked via crawler-commons\r\n")
    warcinfo = writer.create_warc_record(
        "", "warcinfo", payload=io.BytesIO(info), warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Record-ID": info_id, "WARC-Date": info_date, "WARC-Filename": "sample.warc.gz"})
    emit(warcinfo, None, "warcinfo")

    for page in pages:
        host = page.url.split("/")[2]
        path = "/" + page.url.split("/", 3)[3] if page.url.count("/") >= 3 else "/"
        req_id, req_date = ids.next()
        request_headers = StatusAndHeaders(f"GET {path} HTTP/1.1", [
            ("Host", host), ("User-Agent", "CCBot/2.0 (https://commoncrawl.org/faq/)"),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "en-US,en;q=0.5"), ("Accept-Encoding", "br,gzip"), ("Connection", "close"),
        ], is_http_request=True)
        common = {"WARC-Warcinfo-ID": info_id, "WARC-IP-Address": _ip_of(host)}
        emit(writer.create_warc_record(page.url, "request", payload=io.BytesIO(b""), http_headers=request_headers,
                                       warc_headers_dict={"WARC-Record-ID": req_id, "WARC-Date": req_date,
                                                          **common}), page, "request")

        resp_id, resp_date = ids.next()
        headers = [("Date", _http_date(resp_date)), ("Server", "nginx"), ("Content-Type", page.content_type)]
        if page.record == "revisit":
            old_body = render_article("erie").encode("utf-8")  # what the earlier crawl stored
            digest = "sha1:" + base64.b32encode(hashlib.sha1(old_body).digest()).decode()
            http = StatusAndHeaders("200 OK", headers + [("Content-Length", str(len(old_body))),
                                                         ("Connection", "close")], protocol="HTTP/1.1")
            record = writer.create_revisit_record(
                page.url, digest, page.url, "2098-12-15T08:30:00Z", http_headers=http,
                warc_headers_dict={"WARC-Record-ID": resp_id, "WARC-Date": resp_date,
                                   "WARC-Concurrent-To": req_id, **common})
        else:
            http = StatusAndHeaders(page.status, headers + list(page.headers) + [
                ("Content-Length", str(len(page.body))), ("Connection", "close")], protocol="HTTP/1.1")
            record = writer.create_warc_record(
                page.url, "response", payload=io.BytesIO(page.body), http_headers=http,
                warc_headers_dict={"WARC-Record-ID": resp_id, "WARC-Date": resp_date,
                                   "WARC-Concurrent-To": req_id, **common,
                                   "WARC-Identified-Payload-Type": page.content_type.split(";")[0]})
        emit(record, page, "page")

        meta_id, meta_date = ids.next()
        charset = "windows-1252" if b"charset=windows-1252" in page.body[:1024] else "UTF-8"
        fetch_ms = int(hashlib.md5(page.url.encode()).hexdigest(), 16) % 900 + 40
        meta = f"fetchTimeMs: {fetch_ms}\r\ncharset-detected: {charset}\r\n".encode()
        emit(writer.create_warc_record(page.url, "metadata", payload=io.BytesIO(meta),
                                       warc_content_type="application/warc-fields",
                                       warc_headers_dict={"WARC-Record-ID": meta_id, "WARC-Date": meta_date,
                                                          "WARC-Concurrent-To": resp_id, **common}), page, "metadata")
    return rows


def corrupt(data: bytearray, rows: list[dict]) -> None:
    """Overwrite 32 bytes in the middle of each damaged member's compressed data. The member's
    gzip header and the WARC headers at its start stay readable; inflating the body fails."""
    for row in rows:
        if row["damaged"]:
            mid = row["offset"] + row["length"] // 2
            data[mid:mid + len(CORRUPT_BYTES)] = CORRUPT_BYTES


def expected_outcomes(rows: list[dict]) -> dict[str, str]:
    """``{url: expected}`` for every response and revisit record."""
    out: dict[str, str] = {}
    for row in rows:
        if row["kind"] == "page":
            assert row["url"] not in out, f"duplicate url {row['url']}"
            out[row["url"]] = row["expected"]
    ids = {row["url"]: row["id"] for row in rows if row["kind"] == "page"}
    cluster = [u for u, e in out.items() if e == "dedup:dropped"]
    assert all(ids[url_of("erie")] < ids[u] for u in cluster), "the kept Erie page must have the smallest id"
    return out


def markdown_table(rows: list[dict]) -> str:
    """The record list for tests/data/README.md."""
    lines = ["| # | offset | WARC-Type | URL | what it is | expected |", "|---|---|---|---|---|---|"]
    for i, row in enumerate(rows):
        if row["kind"] != "page":
            continue
        lines.append(f"| {i} | {row['offset']} | {row['type']} | `{row['url']}` | "
                     f"{row['what'].replace('|', chr(92) + '|')} | `{row['expected']}` |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=str(HERE / "sample.warc.gz"), help="the WARC file to write")
    parser.add_argument("--expected", default=str(HERE / "sample_expected.json"),
                        help="where to write {url: expected outcome}")
    parser.add_argument("--markdown", action="store_true", help="print the README record table")
    args = parser.parse_args(argv)

    buf = io.BytesIO()
    rows = write_warc(build_pages(), buf)
    data = bytearray(buf.getvalue())
    corrupt(data, rows)
    assert len(data) < 300_000, f"sample grew to {len(data)} bytes; keep it under 300 KB"
    pathlib.Path(args.output).write_bytes(bytes(data))
    pathlib.Path(args.expected).write_text(json.dumps(expected_outcomes(rows), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.output}: {len(rows)} records, {len(data)} bytes; {args.expected}", file=sys.stderr)
    if args.markdown:
        print(markdown_table(rows))


if __name__ == "__main__":
    main()
