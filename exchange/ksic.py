"""KSIC (Korean Standard Industrial Classification, 10th revision): the section of a code.

A five-digit class such as ``25922`` (electroplating) belongs to a two-digit division (25),
and each division to one of 21 lettered sections (C, manufacturing). The public network picture
labels a factory that did not opt in by its section when its industry would name it.
Source: Statistics Korea, KSIC 10th revision (2017), sections A-U and their divisions.
"""

from __future__ import annotations

__all__ = ["SECTIONS", "section"]

# section letter: (first division, last division, Korean name, English name)
SECTIONS: dict[str, tuple[int, int, str, str]] = {
    "A": (1, 3, "농업, 임업 및 어업", "Agriculture, forestry and fishing"),
    "B": (5, 8, "광업", "Mining and quarrying"),
    "C": (10, 34, "제조업", "Manufacturing"),
    "D": (35, 35, "전기, 가스, 증기 및 공기 조절 공급업",
          "Electricity, gas, steam and air conditioning supply"),
    "E": (36, 39, "수도, 하수 및 폐기물 처리, 원료 재생업",
          "Water supply; sewage, waste management, materials recovery"),
    "F": (41, 42, "건설업", "Construction"),
    "G": (45, 47, "도매 및 소매업", "Wholesale and retail trade"),
    "H": (49, 52, "운수 및 창고업", "Transportation and storage"),
    "I": (55, 56, "숙박 및 음식점업", "Accommodation and food service activities"),
    "J": (58, 63, "정보통신업", "Information and communication"),
    "K": (64, 66, "금융 및 보험업", "Financial and insurance activities"),
    "L": (68, 68, "부동산업", "Real estate activities"),
    "M": (70, 73, "전문, 과학 및 기술 서비스업", "Professional, scientific and technical activities"),
    "N": (74, 76, "사업시설 관리, 사업 지원 및 임대 서비스업",
          "Business facilities management, business support and rental"),
    "O": (84, 84, "공공 행정, 국방 및 사회보장 행정",
          "Public administration and defence; compulsory social security"),
    "P": (85, 85, "교육 서비스업", "Education"),
    "Q": (86, 87, "보건업 및 사회복지 서비스업", "Human health and social work activities"),
    "R": (90, 91, "예술, 스포츠 및 여가관련 서비스업", "Arts, sports and recreation"),
    "S": (94, 96, "협회 및 단체, 수리 및 기타 개인 서비스업",
          "Membership organisations, repair and other personal services"),
    "T": (97, 98, "가구 내 고용활동 및 달리 분류되지 않은 자가 소비 생산활동",
          "Activities of households as employers and for own use"),
    "U": (99, 99, "국제 및 외국기관", "Activities of extraterritorial organisations"),
}


def section(code: str | None) -> str | None:
    """The section letter of a KSIC code (its first two digits), None when it has none.

    >>> section("25922"), section("35111"), section("C"), section(""), section("04")
    ('C', 'D', 'C', None, None)
    """
    code = (code or "").strip().upper()
    if len(code) == 1 and code in SECTIONS:
        return code
    if len(code) < 2 or not code[:2].isdigit():
        return None
    division = int(code[:2])
    for letter, (first, last, _ko, _en) in SECTIONS.items():
        if first <= division <= last:
            return letter
    return None
