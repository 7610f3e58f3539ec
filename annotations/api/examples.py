"""Examples for the OpenAPI document: a realistic request and answer for every operation.

Taken from the demo (`manage.py load_demo`) and a short newsroom session through the API,
then trimmed. `tests/test_openapi.py` checks each against the schema it illustrates, so an
example cannot drift from what the API answers. `annotations.api.schema.AutoSchema` puts
them in place: `OPERATIONS[(method, path)]` gives the request bodies by name and the
answers by status.
"""

SITE = "https://factcheck.example"
WHEN = "2026-12-01T16:52:54.403104Z"

# Public reads

PUBLIC_RATING = {
    "label": "True",
    "value": 5,
    "colour": "#1a7f37",
    "position": 1,
    "description": "The claim is accurate and nothing significant is missing.",
    "best": 5,
    "worst": 1,
}
ORGANIZATION_REF = {
    "slug": "demo-fact-desk",
    "name": "Demo Fact Desk",
    "url": "https://factdesk.example/",
    "reader_url": f"{SITE}/o/demo-fact-desk/",
}
ARTICLE_URL = "https://voiceofeast.net/2022/04/15/imran-khans-record-shattering-twitter-spaces/"
ARTICLE_REF = {
    "id": 1,
    "title": "Analysing The Significance Of Imran Khan’s Record-Shattering Twitter Spaces Session",
    "url": ARTICLE_URL,
    "reader_url": f"{SITE}/a/demo-fact-desk/analysing-the-significance-of-imran-khans-record/",
    "language": "en",
    "published_on": "2022-04-15",
}
PUBLIC_CLAIM = {
    "id": 3,
    "state": "published",
    "version": 1,
    "url": f"{SITE}/c/3/",
    "claim_reviewed": "the median age is only 22.8 years",
    "claimant": "Andrew Korybko",
    "claim_date": "2022-04-15",
    "rating": PUBLIC_RATING,
    "conclusion": "The CIA World Factbook gives Pakistan's median age as 22.8 years.",
    "conclusion_html": "<p>The CIA World Factbook gives Pakistan's median age as 22.8 years.</p>\n",
    "tags": ["demographics"],
    "sources": [
        {
            "url": "https://www.cia.gov/the-world-factbook/countries/pakistan/",
            "title": "The World Factbook: Pakistan",
            "publisher": "CIA",
            "quote": "Median age: 22.8 years (2020 est.)",
            "stance": "supports",
            "snapshot_url": None,
            "archive_url": None,
        }
    ],
    "selectors": [
        {
            "type": "TextQuoteSelector",
            "exact": "the median age is only 22.8 years",
            "prefix": "majority youthful country where ",
            "suffix": " has the demographic prerequisit",
        },
        {"type": "TextPositionSelector", "start": 5822, "end": 5855},
    ],
    "article": ARTICLE_REF,
    "organization": ORGANIZATION_REF,
    "first_published_at": WHEN,
    "published_at": WHEN,
    "updated_at": "2026-12-01T16:52:54.431351Z",
    "correction_note": "",
}
RETRACTED_CLAIM = {
    **PUBLIC_CLAIM,
    "id": 5,
    "url": f"{SITE}/c/5/",
    "state": "retracted",
    "version": 2,
    "published_at": "2026-12-02T09:12:03.120000Z",
    "updated_at": "2026-12-02T09:12:03.120000Z",
    "correction_note": "2 Dec 2026: retracted because the survey it relied on was withdrawn.",
    "retraction_note": "The survey this rating relied on was withdrawn by its publisher.",
}
SUSPENDED_CLAIM = {
    "id": 6,
    "url": None,
    "state": "suspended",
    "updated_at": "2026-12-02T10:00:00.000000Z",
}
CLAIM_PAGE = {
    "next": f"{SITE}/api/v1/claims/?cursor=cD0yMDI2LTEyLTAxKzE2JTNBNTI&page_size=3",
    "previous": None,
    "results": [PUBLIC_CLAIM, RETRACTED_CLAIM, SUSPENDED_CLAIM],
}
PUBLIC_ARTICLE = {
    **ARTICLE_REF,
    "organization": ORGANIZATION_REF,
    "updated_at": PUBLIC_CLAIM["updated_at"],
    "claims": [PUBLIC_CLAIM],
}
ORGANIZATION = {
    **ORGANIZATION_REF,
    "methodology_url": f"{SITE}/o/demo-fact-desk/methodology/",
    "rating_scales": [
        {
            "name": "Default",
            "is_default": True,
            "best": 5,
            "worst": 1,
            "ratings": [
                {
                    "label": "True",
                    "value": 5,
                    "colour": "#1a7f37",
                    "position": 1,
                    "description": PUBLIC_RATING["description"],
                    "is_hidden": False,
                },
                {
                    "label": "False",
                    "value": 1,
                    "colour": "#cf222e",
                    "position": 5,
                    "description": "The claim is not accurate.",
                    "is_hidden": False,
                },
                {
                    "label": "Misleading",
                    "value": None,
                    "colour": "#8250df",
                    "position": 6,
                    "description": "Accurate in its parts, but gives a false impression.",
                    "is_hidden": False,
                },
            ],
        }
    ],
}
CLAIMREVIEW_FEED = {
    "@context": "https://schema.org",
    "@type": "DataFeed",
    "url": f"{SITE}/api/v1/claimreview/",
    "dateModified": "2026-12-01T16:52:54+00:00",
    "dataFeedElement": [
        {
            "@type": "ClaimReview",
            "url": f"{SITE}/c/3/",
            "claimReviewed": "the median age is only 22.8 years",
            "reviewRating": {
                "@type": "Rating",
                "alternateName": "True",
                "ratingValue": 5,
                "bestRating": 5,
                "worstRating": 1,
            },
            "author": {
                "@type": "Organization",
                "name": "Demo Fact Desk",
                "url": "https://factdesk.example/",
            },
            "datePublished": "2026-12-01T16:52:54+00:00",
            "itemReviewed": {
                "@type": "Claim",
                "author": {"@type": "Person", "name": "Andrew Korybko"},
                "datePublished": "2022-04-15",
                "appearance": {
                    "@type": "CreativeWork",
                    "headline": ARTICLE_REF["title"],
                    "url": ARTICLE_URL,
                    "datePublished": "2022-04-15",
                    "publisher": {"@type": "Organization", "name": "Voice of East"},
                    "inLanguage": "en",
                },
            },
        }
    ],
}

# Newsroom

USER = {"id": 2, "username": "demo-editor"}
ARTICLE_TEXT = (
    "The minister said turnout doubled since 2018.\n\n"
    "Official figures show it rose from 52 to 61 percent."
)
NEWSROOM_ARTICLE = {
    "id": 2,
    "organization": 1,
    "title": "Turnout claims",
    "byline": "Staff reporter",
    "publisher": "",
    "canonical_url": "",
    "published_on": None,
    "language": "en",
    "status": "ready",
    "import_error": "",
    "created_at": "2026-12-01T16:54:04.303894Z",
    "updated_at": "2026-12-01T16:54:04.371342Z",
}
ARTICLE_DETAIL = {
    **NEWSROOM_ARTICLE,
    "text": ARTICLE_TEXT,
    "revision": 1,
    "latest_import": None,
    "details_tag": "5c1f0e9a77d2b3c4a6e8",
    "text_waiting": None,
}
STALE_DETAILS = {
    "type": "/api/v1/problems/stale-details/",
    "title": "The article's details changed since you read them.",
    "status": 412,
    "detail": "Someone changed this article's details since you read them: nothing was saved. "
    "The details as they are now are under `current`; apply your change to them.",
    "article": 2,
    "current": {**ARTICLE_DETAIL, "byline": "Desk", "details_tag": "0b7d41e2c9a35f8e1d26"},
}
ARTICLE_IMPORTING = {
    **ARTICLE_DETAIL,
    "id": 3,
    "title": "https://news.example/2026/12/turnout",
    "byline": "",
    "canonical_url": "https://news.example/2026/12/turnout",
    "language": "",
    "status": "importing",
    "text": "",
    "revision": None,
    "latest_import": {
        "id": 4,
        "kind": "url",
        "state": "pending",
        "error": "",
        "created_at": "2026-12-01T16:54:04.303894Z",
        "finished_at": None,
        "retry": {
            "failed_attempts": 1,
            "max_attempts": 5,
            "reason": "timed out",
            "next_attempt_at": "2026-12-01T16:54:24.310000Z",
        },
        "waiting_for_worker": False,
    },
}
RATING = {
    "id": 5,
    "label": "False",
    "value": 1,
    "worst_value": 1,
    "best_value": 5,
    "colour": "#cf222e",
    "description": "The claim is not accurate.",
}
SELECTORS = [
    {
        "type": "TextQuoteSelector",
        "exact": "turnout doubled since 2018",
        "prefix": "The minister said ",
        "suffix": ".\n\nOfficial figures show it rose",
    },
    {"type": "TextPositionSelector", "start": 18, "end": 44},
]
NEW_CLAIM = {
    "id": 7,
    "article": 2,
    "revision": 1,
    "revision_number": 1,
    "selectors": SELECTORS,
    "exact": "turnout doubled since 2018",
    "prefix": "The minister said ",
    "suffix": ".\n\nOfficial figures show it rose",
    "start": 18,
    "end": 44,
    "claim_reviewed": "turnout doubled since 2018",
    "claimant": "The minister",
    "claim_date": None,
    "rating": None,
    "conclusion": "",
    "conclusion_html": "",
    "correction_note": "",
    "status": "draft",
    "anchor_state": "anchored",
    "orphan_reason": "",
    "creator": USER,
    "reviewer": None,
    "assignee": None,
    "tags": [],
    "sources": [],
    "history": [
        {
            "id": 23,
            "at": "2026-12-01T16:54:04.468593Z",
            "actor": "demo-editor",
            "action": "created",
            "sentence": "Claim made from “turnout doubled since 2018” by demo-editor, 1 Dec 16:54",
            "changes": [],
        }
    ],
    "published_at": None,
    "created_at": "2026-12-01T16:54:04.455080Z",
    "updated_at": "2026-12-01T16:54:04.455119Z",
    "version": 1,
    "published_version": None,
    "has_unpublished_changes": False,
    "unpublished_changes": [],
    "wording_warning": "",
    "checklist": [
        {"key": "rating", "label": "A rating", "met": False, "detail": "Choose a rating."},
        {
            "key": "conclusion",
            "label": "A conclusion",
            "met": False,
            "detail": "Write what readers will see.",
        },
        {"key": "source", "label": "At least one source", "met": False, "detail": "Cite a source."},
        {
            "key": "second_person",
            "label": "A second person publishes",
            "met": False,
            "detail": "Another member must publish a claim you created.",
        },
    ],
    "viewer_can_publish": False,
    "publish_blocked_reason": "Only reviewers and admins publish; send it to review.",
    "review_note": "",
    "changes_requested_at": None,
    "comment_count": 0,
    "open_thread_count": 0,
}
CONCLUSION = "Turnout rose from 52 to 61 percent: up by a sixth, not doubled."
CLAIM = {
    **NEW_CLAIM,
    "rating": RATING,
    "conclusion": CONCLUSION,
    "conclusion_html": f"<p>{CONCLUSION}</p>\n",
    "sources": [
        {
            "id": 5,
            "url": "https://elections.example/turnout-2023",
            "title": "Turnout by year",
            "publisher": "Election Commission",
            "quote": "61.0%",
            "stance": "refutes",
            "added_by": USER,
            "created_at": "2026-12-01T16:54:04.914401Z",
            "fetch_state": "pending",
            "fetch_error": "",
            "http_status": None,
            "final_url": "",
            "content_type": "",
            "fetched_at": None,
            "archive_url": "",
            "snapshot": None,
            "link_state": "unchecked",
            "link_checked_at": None,
        }
    ],
    "history": [
        {
            "id": 25,
            "at": "2026-12-01T16:54:04.931400Z",
            "actor": "demo-editor",
            "action": "source added",
            "sentence": "Source added: https://elections.example/turnout-2023 by demo-editor, "
            "1 Dec 16:54",
            "changes": [],
        },
        {
            "id": 24,
            "at": "2026-12-01T16:54:04.701200Z",
            "actor": "demo-editor",
            "action": "updated",
            "sentence": "Rating set to False; Conclusion written by demo-editor, 1 Dec 16:54",
            "changes": [
                {"field": "rating", "label": "Rating", "old": "", "new": "False"},
                {
                    "field": "conclusion",
                    "label": "Conclusion",
                    "old": "",
                    "new": CONCLUSION,
                    "diff": [["insert", CONCLUSION]],
                },
            ],
        },
    ],
    "updated_at": "2026-12-01T16:54:04.930521Z",
    "version": 3,
}
STALE_VERSION = {
    "type": "/api/v1/problems/stale-version/",
    "title": "The claim changed since you read it.",
    "status": 412,
    "detail": "This claim was changed by demo-editor since you opened it.",
    "claim": 7,
    "changed_by": "demo-editor",
    "current": CLAIM,
}
VERSION_MISSING = {
    "type": "/api/v1/problems/precondition-required/",
    "title": "Say which version you are changing.",
    "status": 428,
    "detail": "Say which version of the claim you are changing: send the If-Match header with "
    'the version number you read (the claim\'s `version`, also its ETag) or a "version" field.',
}
CLAIM_WRITE_ERRORS = {412: STALE_VERSION, 428: VERSION_MISSING}
EDIT_CONFLICT = {
    "type": "/api/v1/problems/edit-conflict/",
    "title": "Someone else changed this since you read it.",
    "status": 409,
    "detail": "The claimant of this claim was also changed by demo-reviewer since you opened "
    "it; choose yours or theirs.",
    "claim": 7,
    "changed_by": "demo-reviewer",
    "current_version": 4,
    "conflicts": [
        {
            "field": "claimant",
            "label": "Claimant",
            "base": "The minister",
            "yours": "The interior minister",
            "theirs": "Minister A. Example",
            "theirs_by": "demo-reviewer",
            "theirs_at": "2026-12-01T16:55:10.120000Z",
        }
    ],
    "current": {**CLAIM, "claimant": "Minister A. Example", "version": 4},
}
COMMENT = {
    "id": 3,
    "parent": None,
    "author": {"username": "demo-reviewer", "name": ""},
    "body": "@demo-editor which table is the 61% from?",
    "body_html": "<p>@demo-editor which table is the 61% from?</p>\n",
    "mentions": ["demo-editor"],
    "created_at": "2026-12-01T16:56:00.000000Z",
    "edited_at": None,
    "deleted": False,
    "resolved_at": None,
    "resolved_by": None,
    "can_edit": True,
}
NOTIFICATION = {
    "id": 9,
    "kind": "mentioned",
    "kind_label": "Mentioned in a comment",
    "message": "demo-reviewer mentioned you: @demo-editor which table is the 61% from?",
    "actor": "demo-reviewer",
    "organization": "demo-fact-desk",
    "claim": 7,
    "comment": 3,
    "article": None,
    "link": "/articles/2/#claim-7",
    "created_at": "2026-12-01T16:56:00.000000Z",
    "read_at": None,
}

OPERATIONS = {
    ("GET", "/api/v1/"): {
        "responses": {
            200: {
                "version": "v1",
                "docs": f"{SITE}/api/v1/docs/",
                "schema": f"{SITE}/api/v1/schema/",
                "public": {
                    "claims": f"{SITE}/api/v1/claims/",
                    "articles": f"{SITE}/api/v1/articles/",
                    "organizations": f"{SITE}/api/v1/organizations/",
                    "claimreview": f"{SITE}/api/v1/claimreview/",
                    "annotations": f"{SITE}/api/v1/annotations/",
                },
                "newsroom": {
                    "articles": f"{SITE}/api/v1/newsroom/articles/",
                    "notifications": f"{SITE}/api/v1/newsroom/notifications/",
                },
            }
        }
    },
    ("GET", "/api/v1/claims/"): {"responses": {200: CLAIM_PAGE}},
    ("GET", "/api/v1/claims/{id}/"): {"responses": {200: PUBLIC_CLAIM}},
    ("GET", "/api/v1/articles/"): {
        "responses": {200: {"next": None, "previous": None, "results": [PUBLIC_ARTICLE]}}
    },
    ("GET", "/api/v1/articles/{id}/"): {"responses": {200: PUBLIC_ARTICLE}},
    ("GET", "/api/v1/organizations/"): {
        "responses": {200: {"next": None, "previous": None, "results": [ORGANIZATION]}}
    },
    ("GET", "/api/v1/organizations/{slug}/"): {"responses": {200: ORGANIZATION}},
    ("GET", "/api/v1/claimreview/"): {"responses": {200: CLAIMREVIEW_FEED}},
    ("GET", "/api/v1/problems/{slug}/"): {
        "responses": {
            200: {
                "type": "/api/v1/problems/stale-version/",
                "title": STALE_VERSION["title"],
                "status": 412,
            }
        }
    },
    ("GET", "/api/v1/newsroom/articles/"): {
        "responses": {
            200: {
                "count": 1,
                "next": None,
                "previous": None,
                "results": [{**NEWSROOM_ARTICLE, "claim_count": 1}],
            }
        }
    },
    ("POST", "/api/v1/newsroom/articles/"): {
        "requests": {
            "Paste a text": {"title": "Turnout claims", "text": ARTICLE_TEXT, "language": "en"},
            "Import a web page": {"url": "https://news.example/2026/12/turnout"},
            "Replace the text of the article already at that address": {
                "url": "https://news.example/2026/12/turnout",
                "revise_existing": True,
            },
        },
        "responses": {
            201: ARTICLE_DETAIL,
            202: ARTICLE_IMPORTING,
            409: {
                "type": "/api/v1/problems/already-imported/",
                "title": "This page is already an article with claims here.",
                "status": 409,
                "detail": "https://news.example/2026/12/turnout is already the article "
                "“Turnout claims” here, with 2 claims, 1 of them published. Nothing was "
                "changed. Send `revise_existing`: true to replace its text with the page as it "
                "is now.",
                "article": 12,
            },
        },
    },
    ("GET", "/api/v1/newsroom/articles/{id}/"): {"responses": {200: ARTICLE_DETAIL}},
    ("PATCH", "/api/v1/newsroom/articles/{id}/"): {
        "requests": {"Set the byline": {"byline": "Staff reporter"}},
        "responses": {200: ARTICLE_DETAIL, 412: STALE_DETAILS},
    },
    ("PUT", "/api/v1/newsroom/articles/{id}/text/"): {
        "requests": {
            "Rewrite the lede": {
                "text": "Official figures show turnout rose from 52 to 61 percent.",
                "reason": "Lede rewritten",
            }
        },
        "responses": {
            200: {
                "moved": 0,
                "unchanged": 0,
                "orphaned": 1,
                "sent_to_review": 0,
                "deferred": False,
                "restored": 0,
                "waits": False,
            }
        },
    },
    ("POST", "/api/v1/newsroom/articles/{id}/conclusion-preview/"): {
        "requests": {
            "Preview a conclusion": {
                "conclusion": "The **CIA World Factbook** gives 22.8 years. [Source](https://www.cia.gov/)"
            }
        },
        "responses": {
            200: {
                "conclusion_html": "<p>The <strong>CIA World Factbook</strong> gives 22.8 years. "
                '<a href="https://www.cia.gov/" rel="noopener noreferrer nofollow">Source</a></p>\n'
            }
        },
    },
    ("POST", "/api/v1/newsroom/articles/{id}/text-preview/"): {
        "requests": {
            "Preview a rewritten lede": {
                "text": "Official figures show turnout rose from 52 to 61 percent."
            }
        },
        "responses": {
            200: {
                "identical": False,
                "unchanged": 0,
                "moved": [],
                "orphaned": [
                    {
                        "id": 7,
                        "exact": "turnout doubled since 2018",
                        "status": "published",
                        "to_review": True,
                        "reason": "the quote is not in the new text",
                    }
                ],
                "waits": True,
                "changes_beside_verdicts": 1,
            }
        },
    },
    ("POST", "/api/v1/newsroom/articles/{id}/import/"): {
        "responses": {201: ARTICLE_DETAIL, 202: ARTICLE_IMPORTING}
    },
    ("POST", "/api/v1/newsroom/articles/{id}/republish-details/"): {
        "requests": {"Republish after a headline fix": {"note": "the headline had a typo"}},
        "responses": {
            200: {
                "published": [41, 42],
                "left": [{"id": 43, "reason": "Another member must publish a claim you created."}],
            }
        },
    },
    ("POST", "/api/v1/newsroom/articles/{id}/check-details/"): {
        "responses": {200: {"checked": [41, 42]}, 412: STALE_DETAILS}
    },
    ("POST", "/api/v1/newsroom/articles/{id}/show-text/"): {
        "requests": {"Show readers revision 3": {"revision": 3}},
        "responses": {200: {"revision": 3}},
    },
    ("POST", "/api/v1/newsroom/articles/{id}/import-again/"): {
        "responses": {202: ARTICLE_IMPORTING}
    },
    ("GET", "/api/v1/newsroom/articles/{id}/claims/"): {"responses": {200: [CLAIM]}},
    ("POST", "/api/v1/newsroom/articles/{id}/claims/"): {
        "requests": {
            "Claim a quoted sentence": {
                "selectors": [
                    {
                        "type": "TextQuoteSelector",
                        "exact": "turnout doubled since 2018",
                        "prefix": "The minister said ",
                        "suffix": ".",
                    }
                ],
                "claimant": "The minister",
            }
        },
        "responses": {
            201: NEW_CLAIM,
            409: {
                "type": "/api/v1/problems/already-claimed/",
                "title": "These words are a claim already.",
                "status": 409,
                "detail": "These words are claim 7 already (draft): open it, or select other "
                "words.",
                "claim": 7,
            },
        },
    },
    ("GET", "/api/v1/newsroom/articles/{id}/ratings/"): {
        "responses": {
            200: [
                {
                    "id": 1,
                    "label": "True",
                    "value": 5,
                    "worst_value": 1,
                    "best_value": 5,
                    "colour": "#1a7f37",
                    "description": PUBLIC_RATING["description"],
                },
                RATING,
            ]
        }
    },
    ("GET", "/api/v1/newsroom/claims/{id}/"): {"responses": {200: CLAIM}},
    ("PATCH", "/api/v1/newsroom/claims/{id}/"): {
        "requests": {"Rate it": {"rating": 5, "conclusion": CONCLUSION, "version": 3}},
        "responses": {
            200: {**CLAIM, "merged_fields": ["tags"], "merged_by": ["demo-reviewer"]},
            409: EDIT_CONFLICT,
            **CLAIM_WRITE_ERRORS,
        },
    },
    ("GET", "/api/v1/newsroom/claims/{id}/comments/"): {"responses": {200: [COMMENT]}},
    ("POST", "/api/v1/newsroom/claims/{id}/comments/"): {
        "requests": {"Ask a colleague": {"body": COMMENT["body"]}},
        "responses": {201: COMMENT},
    },
    ("PATCH", "/api/v1/newsroom/claims/{id}/comments/{comment_pk}/"): {
        "requests": {"Reword": {"body": "@demo-editor which table gives 61%?"}},
        "responses": {
            200: {
                **COMMENT,
                "body": "@demo-editor which table gives 61%?",
                "body_html": "<p>@demo-editor which table gives 61%?</p>\n",
                "edited_at": "2026-12-01T16:57:00.000000Z",
            }
        },
    },
    ("POST", "/api/v1/newsroom/claims/{id}/comments/{comment_pk}/resolve/"): {
        "requests": {"Resolve the thread": {"resolved": True}},
        "responses": {
            200: {
                **COMMENT,
                "resolved_at": "2026-12-01T16:58:00.000000Z",
                "resolved_by": "demo-editor",
                "can_edit": False,
            }
        },
    },
    ("GET", "/api/v1/newsroom/notifications/"): {
        "responses": {
            200: {
                "count": 1,
                "next": None,
                "previous": None,
                "unread_count": 1,
                "results": [NOTIFICATION],
            }
        }
    },
    ("POST", "/api/v1/newsroom/notifications/read/"): {
        "requests": {"Mark one read": {"ids": [9]}, "Mark all read": {"all": True}},
        "responses": {200: {"marked": 1, "unread_count": 0}},
    },
    ("DELETE", "/api/v1/newsroom/claims/{id}/"): {"responses": CLAIM_WRITE_ERRORS},
    ("POST", "/api/v1/newsroom/claims/{id}/transition/"): {
        "requests": {
            "Send to review": {"to": "in_review", "note": "", "version": 3},
            "Request changes": {
                "status": "draft",
                "note": "Which table gives 61%? Cite it.",
                "version": 3,
            },
            "Retract": {
                "to": "retracted",
                "note": "The survey was withdrawn by its publisher.",
                "version": 3,
            },
        },
        "responses": {200: {**CLAIM, "status": "in_review"}, **CLAIM_WRITE_ERRORS},
    },
    ("POST", "/api/v1/newsroom/claims/{id}/sources/"): {
        "requests": {
            "Cite the commission": {
                "url": "https://elections.example/turnout-2023",
                "title": "Turnout by year",
                "publisher": "Election Commission",
                "quote": "61.0%",
                "stance": "refutes",
                "version": 3,
            }
        },
        "responses": {201: CLAIM, **CLAIM_WRITE_ERRORS},
    },
    ("GET", "/api/v1/newsroom/claims/{id}/sources/{source_pk}/"): {
        "responses": {200: CLAIM["sources"][0]}
    },
    ("PATCH", "/api/v1/newsroom/claims/{id}/sources/{source_pk}/"): {
        "requests": {"Quote more": {"quote": "Turnout: 61.0% (2023), 52.1% (2018)", "version": 3}},
        "responses": {200: CLAIM, **CLAIM_WRITE_ERRORS},
    },
    ("DELETE", "/api/v1/newsroom/claims/{id}/sources/{source_pk}/"): {
        "responses": {200: {**CLAIM, "sources": []}, **CLAIM_WRITE_ERRORS}
    },
    ("POST", "/api/v1/newsroom/claims/{id}/sources/{source_pk}/fetch/"): {
        "responses": {
            202: {
                "queued": True,
                "detail": "Fetching the source again; the card shows the outcome when it is done.",
                "source": CLAIM["sources"][0],
            },
            200: {
                "queued": False,
                "detail": "A fetch of this source is already queued or running; "
                "nothing new was asked.",
                "source": {**CLAIM["sources"][0], "fetch_state": "fetching"},
            },
        }
    },
    ("POST", "/api/v1/newsroom/claims/{id}/reattach/"): {
        "requests": {
            "Anchor to the new wording": {
                "selectors": [{"type": "TextQuoteSelector", "exact": "rose from 52 to 61 percent"}],
                "version": 3,
            }
        },
        "responses": {200: CLAIM, **CLAIM_WRITE_ERRORS},
    },
    # Citing an evidence item writes to the claim; its other answers are in evidence.py.
    ("POST", "/api/v1/claims/{id}/evidence/items/{item_pk}/"): {"responses": CLAIM_WRITE_ERRORS},
}

# Claim-spotting suggestions (issue 14)

SUGGESTION = {
    "id": 31,
    "start": 0,
    "end": 59,
    "sentence": "Turnout rose from 52 percent in 2019 to 61 percent in 2023.",
    "score": 1.42,
    "probability": 0.8053,
    "has_number": True,
    "state": "new",
    "claim": None,
    "covered_by": None,
    "decided_at": None,
    "model_version": "clef-words+features-c1",
}
OPERATIONS[("GET", "/api/v1/articles/{id}/suggestions/")] = {
    "responses": {
        200: {
            "article": 7,
            "revision": 2,
            "pending": False,
            "importing": False,
            "waiting_for_worker": False,
            "threshold": 0.3,
            "stored_limit": 200,
            "cut_at_limit": False,
            "suggestions": [SUGGESTION],
        }
    }
}
OPERATIONS[("POST", "/api/v1/articles/{id}/suggestions/{suggestion_pk}/")] = {
    "requests": {
        "Accept the sentence": {"action": "accept"},
        "Accept only a part of it": {"action": "accept", "start": 0, "end": 28},
        "Dismiss it": {"action": "dismiss"},
    },
    "responses": {
        200: {
            "suggestion": {
                **SUGGESTION,
                "state": "accepted",
                "claim": 12,
                "decided_at": WHEN,
            },
            "claim": 12,
        }
    },
}
