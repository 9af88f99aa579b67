"""The job-title lexicon covers the common titles of the standard occupation classifications: the most
held US SOC 2018 occupations, and a few from each SOC major group, read after "I'm a" map to the group
config/codebook.yaml's occupations describe."""
from __future__ import annotations

import pytest
from support import ROOT

from core import load_codebook
from core.engine.occupation import STRONG, describe_clause, titles_index

COMMON_TITLES = {
    "it_software": ["web developer", "computer systems analyst", "computer user support specialist", "data analyst",
                    "devops engineer", "help desk technician", "database administrator", "penetration tester",
                    "QA tester", "technical program manager"],
    "film_vfx_media": ["photographer", "producer", "video editor", "animator", "sound engineer"],
    "education": ["elementary school teacher", "teaching assistant", "preschool teacher", "special education "
                  "teacher", "instructional coordinator", "librarian", "school counselor", "adjunct lecturer",
                  "training and development specialist"],
    "healthcare": ["licensed practical nurse", "nursing assistant", "medical assistant", "home health aide",
                   "pharmacy technician", "dental assistant", "physician", "social worker", "clinical coder",
                   "radiology tech", "behavior technician", "medical and health services manager"],
    "business_finance": ["management analyst", "bookkeeping clerk", "financial manager", "loan officer",
                         "logistician", "credit counselor", "production planner", "claims examiner",
                         "accounting clerk", "real estate agent", "estimator"],
    "marketing_sales": ["sales representative", "market research analyst", "insurance sales agent", "fundraiser",
                        "public relations specialist", "event coordinator"],
    "writing_editing": ["editor", "technical writer", "interpreter", "proofreader", "transcriber",
                        "sign language interpreter"],
    "design_arts": ["graphic designer", "architect", "urban planner", "city planner", "desktop publisher", "actor",
                    "musician"],
    "science_research": ["chemist", "biologist", "lab technician", "statistician", "graduate student",
                         "formulation chemist", "research officer"],
    "engineering": ["civil engineer", "mechanical engineer", "industrial engineer", "surveyor", "drafter",
                    "compliance engineer", "ehs specialist"],
    "legal": ["lawyer", "paralegal", "court reporter", "judge", "loan signing agent", "litigation support"],
    "admin_support": ["office clerk", "secretary", "receptionist", "executive secretary", "billing clerk",
                      "dispatcher", "bank teller", "human resources specialist", "compensation specialist",
                      "police dispatcher"],
    "other": ["retail salesperson", "retail sales associate", "cashier", "fast food worker", "stocker", "waiter",
              "heavy truck driver", "janitor", "line cook", "construction laborer", "carpenter", "electrician",
              "security guard", "police officer", "hairdresser", "hotel clerk", "fitness trainer", "meat cutter",
              "site supervisor", "youth worker", "nail tech", "donut shop", "student"],
}


@pytest.fixture(scope="module")
def index():
    return titles_index(load_codebook(ROOT / "config" / "codebook.yaml").job_titles)


@pytest.mark.parametrize(("group", "title"), [(g, t) for g, titles in COMMON_TITLES.items() for t in titles])
def test_common_titles_map_to_their_group(index, group, title):
    found = describe_clause(title, 0, len(title), index, STRONG)
    assert found is not None and found.group == group, (title, found)
