"""Fixed reference data of the simulated shop: plants, promos, places and names."""

from typing import NamedTuple

PLANT_NAMES = (
    "Monstera",
    "Pothos",
    "Snake Plant",
    "ZZ Plant",
    "Fiddle Leaf Fig",
    "Peace Lily",
    "Spider Plant",
    "Aloe Vera",
    "Rubber Plant",
    "String of Pearls",
    "Calathea Makoyana",
    "Boston Fern",
    "Bird of Paradise",
    "Philodendron",
    "Majesty Palm",
    "Ponytail Palm",
    "Alocasia Polly",
    "Money Tree",
    "Jade Plant",
    "Arrow Head",
    "Angel Wings Begonia",
    "Pilea Peperomioides",
    "Orchid",
    "Cactus",
    "Birds Nest Fern",
    "Devil's Ivy",
    "Dragon Tree",
    "Bamboo",
    "Ficus",
    "Haworthia",
)


class Promo(NamedTuple):
    promo_id: str
    discount: int  # dollars off the order
    status: str


PROMOS = (
    Promo("task-force", 10, "inactive"),
    Promo("instruction set", 20, "inactive"),
    Promo("leverage", 5, "inactive"),
    Promo("Optional", 25, "active"),
    Promo("Mandatory", 17, "active"),
    Promo("Digitized", 15, "inactive"),
)


class State(NamedTuple):
    name: str
    weight: int  # relative share of addresses
    lowest_zip: int
    highest_zip: int


# New England and New Jersey zip codes start with 0, which the shop's integer
# zipcode column drops (02203 arrives as 2203).
STATES = (
    State("California", 12, 90001, 96162),
    State("Texas", 9, 75001, 79999),
    State("Florida", 7, 32003, 34997),
    State("New York", 6, 10001, 14925),
    State("Pennsylvania", 4, 15001, 19640),
    State("Illinois", 4, 60001, 62999),
    State("Ohio", 3, 43001, 45999),
    State("Georgia", 3, 30002, 31999),
    State("North Carolina", 3, 27006, 28909),
    State("Michigan", 3, 48001, 49971),
    State("Virginia", 3, 20101, 24658),
    State("New Jersey", 3, 7001, 8989),
    State("Massachusetts", 2, 1001, 2791),
    State("Connecticut", 1, 6001, 6928),
    State("Washington", 2, 98001, 99403),
    State("Arizona", 2, 85001, 86556),
    State("Colorado", 2, 80001, 81658),
    State("Minnesota", 2, 55001, 56763),
    State("Tennessee", 2, 37010, 38589),
    State("Oregon", 1, 97001, 97920),
)

STREET_NAMES = (
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Elm",
    "Willow",
    "Birch",
    "Aspen",
    "Sunbrook",
    "Meadow",
    "Ridge",
    "Lakeview",
    "Hillcrest",
    "Riverside",
    "Park",
    "Forest",
    "Spring",
    "Highland",
    "Valley",
    "Orchard",
)

STREET_KINDS = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Place")

FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "James",
    "Mia",
    "Lucas",
    "Amelia",
    "Mateo",
    "Harper",
    "Ethan",
    "Evelyn",
    "Aiden",
    "Aria",
    "Jackson",
    "Chloe",
    "Leo",
    "Priya",
    "Wei",
    "Fatima",
    "Diego",
    "Hana",
    "Omar",
    "Zoe",
    "Kofi",
    "Ines",
    "Ravi",
)

LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Nguyen",
    "Patel",
    "Kim",
    "Chen",
    "Okafor",
    "Silva",
    "Rossi",
    "Novak",
    "Cohen",
    "Murphy",
)

EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
