"""Entry point of the Dataflow Flex Template (docker/Dockerfile, target `launcher`).

Dataflow's launcher runs ``python flex_main.py --input=... --output=... --runner=DataflowRunner
...`` with the template's parameters. The job itself, and every DoFn it ships to the workers, is
imported from the installed `curation` package; nothing is pickled from this file.
"""

import logging

from pipelines import cc_to_shards

if __name__ == "__main__":
    logging.getLogger().setLevel(logging.INFO)
    cc_to_shards.run()
