"""What the demo's requests for quotes say: the questions ops ask per category
(in the three site languages), the jobs customers post, what providers write
in their quotes, counter-offers, revisions and reviews — each in English,
Simplified and Traditional Chinese, picked by the writer's language."""

from dataclasses import dataclass


@dataclass(frozen=True)
class QuestionSpec:
    """A ``CategoryQuestion`` of a demo category; ``key`` names it in the
    stories' answers. Choices: (value, English, Simplified, Traditional)."""

    category: str
    key: str
    kind: str  # "text", "number" or "choice"
    en: str
    zh_hans: str
    zh_hant: str
    choices: tuple[tuple[str, str, str, str], ...] = ()
    required: bool = True
    # The answer when a story gives none (a text question is answered with
    # the job's title).
    default: str = ""


QUESTIONS: tuple[QuestionSpec, ...] = (
    # Home cleaning (asked for every kind of cleaning)
    QuestionSpec(
        "home-cleaning",
        "rooms",
        "number",
        "How many rooms (bedrooms and living rooms)?",
        "有几个房间（卧室和客厅）？",
        "有幾個房間（臥室和客廳）？",
        default="3",
    ),
    QuestionSpec(
        "home-cleaning",
        "bathrooms",
        "number",
        "How many bathrooms?",
        "有几个卫生间？",
        "有幾間浴室？",
        default="1",
    ),
    QuestionSpec(
        "home-cleaning",
        "depth",
        "choice",
        "A deep clean or a regular one?",
        "深度保洁还是日常保洁？",
        "深層清潔還是日常清潔？",
        choices=(
            ("regular", "Regular clean", "日常保洁", "日常清潔"),
            ("deep", "Deep clean", "深度保洁", "深層清潔"),
            ("after-works", "After building works", "装修后开荒", "裝修後清潔"),
        ),
        default="deep",
    ),
    # Repairs and handyman jobs
    QuestionSpec(
        "repairs",
        "fix",
        "text",
        "What needs fixing?",
        "需要修理什么？",
        "需要修理什麼？",
    ),
    QuestionSpec(
        "repairs",
        "urgency",
        "choice",
        "How urgent is it?",
        "有多急？",
        "有多急？",
        choices=(
            ("today", "As soon as possible", "越快越好", "越快越好"),
            ("week", "Within a week", "一周内", "一週內"),
            ("flexible", "I am flexible", "时间灵活", "時間彈性"),
        ),
        default="week",
    ),
    # Moving
    QuestionSpec(
        "moving-delivery",
        "volume",
        "choice",
        "How much is there to move?",
        "大概要搬多少东西？",
        "大概要搬多少東西？",
        choices=(
            ("few", "A few items", "几件物品", "幾件物品"),
            ("studio", "A studio flat", "一室户", "套房"),
            ("two-bed", "Two bedrooms", "两室", "兩房"),
            ("three-bed", "Three bedrooms or more", "三室及以上", "三房以上"),
        ),
        default="two-bed",
    ),
    QuestionSpec(
        "moving-delivery",
        "floor",
        "number",
        "Which floor is it on?",
        "在几楼？",
        "在幾樓？",
        default="6",
    ),
    QuestionSpec(
        "moving-delivery",
        "lift",
        "choice",
        "Is there a lift?",
        "有电梯吗？",
        "有電梯嗎？",
        choices=(
            ("yes", "Yes", "有", "有"),
            ("no", "No, stairs only", "没有，只能走楼梯", "沒有，只能走樓梯"),
        ),
        default="yes",
    ),
    # Tutoring
    QuestionSpec(
        "tutoring",
        "level",
        "choice",
        "Who are the lessons for?",
        "给谁上课？",
        "給誰上課？",
        choices=(
            ("primary", "A primary-school pupil", "小学生", "國小學生"),
            ("secondary", "A secondary-school student", "中学生", "國高中學生"),
            ("adult", "An adult", "成人", "成人"),
        ),
        default="secondary",
    ),
    QuestionSpec(
        "tutoring",
        "lessons",
        "number",
        "How many lessons a week?",
        "每周上几节课？",
        "每週上幾堂課？",
        default="2",
    ),
    QuestionSpec(
        "tutoring",
        "goal",
        "text",
        "What should the lessons achieve?",
        "希望通过课程达到什么目标？",
        "希望透過課程達成什麼目標？",
        required=False,
    ),
    # Photography
    QuestionSpec(
        "photography",
        "hours",
        "number",
        "How many hours of shooting?",
        "需要拍摄几个小时？",
        "需要拍攝幾個小時？",
        default="4",
    ),
    QuestionSpec(
        "photography",
        "delivery",
        "choice",
        "What do you need delivered?",
        "需要交付什么？",
        "需要交付什麼？",
        choices=(
            ("edited", "Edited photos only", "只要精修照片", "只要精修照片"),
            (
                "all",
                "Edited photos and all originals",
                "精修照片和全部底片",
                "精修照片和全部原檔",
            ),
            ("album", "A printed album too", "还要一本相册", "還要一本相簿"),
        ),
        default="edited",
    ),
)


@dataclass(frozen=True)
class Job:
    """A job as a customer describes it: (title, description) per language."""

    en: tuple[str, str]
    zh_hans: tuple[str, str]
    zh_hant: tuple[str, str]


# By category slug; a leaf without its own falls back to its root's.
JOBS: dict[str, Job] = {
    "home-cleaning": Job(
        (
            "Deep clean of a three-room flat",
            "We are moving in next week. The kitchen needs degreasing, the "
            "bathroom descaling and the windows inside cleaned. Cleaning products "
            "are fine, please bring your own cloths.",
        ),
        (
            "三室户深度保洁",
            "下周入住，厨房需要去油污，卫生间要除水垢，室内窗户也要擦。家里有清洁剂，"
            "抹布请自带。",
        ),
        (
            "三房公寓深層清潔",
            "下週入住，廚房需要去油汙，浴室要除水垢，室內窗戶也要擦。家裡有清潔劑，"
            "抹布請自備。",
        ),
    ),
    "move-cleaning": Job(
        (
            "Cleaning after renovation",
            "The painters finished on Friday: dust everywhere, paint drops on the "
            "floor tiles and the window frames. About 90 square metres.",
        ),
        (
            "装修后开荒保洁",
            "油漆工周五刚完工，到处是灰，地砖和窗框上有油漆点。面积大约90平方米。",
        ),
        (
            "裝修後清潔",
            "油漆師傅週五剛完工，到處是灰塵，地磚和窗框上有油漆點。面積大約27坪。",
        ),
    ),
    "repairs": Job(
        (
            "A few small repairs at home",
            "A dripping kitchen tap, a bathroom door that does not close and two "
            "shelves to put up on a concrete wall.",
        ),
        (
            "家里几处小维修",
            "厨房水龙头滴水，卫生间门关不上，还要在水泥墙上装两块搁板。",
        ),
        (
            "家裡幾處小修繕",
            "廚房水龍頭漏水，浴室門關不上，還要在水泥牆上裝兩塊層板。",
        ),
    ),
    "aircon-repair": Job(
        (
            "Air-conditioner not cooling",
            "The bedroom unit runs but blows warm air, and water drips from the "
            "indoor unit. It is about six years old.",
        ),
        (
            "空调不制冷",
            "卧室空调能开机但吹热风，室内机还在滴水。用了大约六年。",
        ),
        (
            "冷氣不冷",
            "臥室冷氣能開機但吹熱風，室內機還會滴水。用了大約六年。",
        ),
    ),
    "plumbing": Job(
        (
            "Leak under the kitchen sink",
            "Water collects in the cabinet under the sink every day. The pipes "
            "are behind the cabinet, so it may need to come out.",
        ),
        (
            "厨房水槽下漏水",
            "水槽下面的柜子每天都有积水。水管在柜子后面，可能要把柜子拆下来。",
        ),
        (
            "廚房水槽下漏水",
            "水槽下面的櫃子每天都有積水。水管在櫃子後面，可能要把櫃子拆下來。",
        ),
    ),
    "appliance-repair": Job(
        (
            "Washing machine stops mid-cycle",
            "A front loader, five years old: it stops with an E21 error and the "
            "water stays in the drum.",
        ),
        (
            "洗衣机洗到一半停机",
            "滚筒洗衣机用了五年，洗到一半报E21故障，桶里的水排不出去。",
        ),
        (
            "洗衣機洗到一半停機",
            "滾筒洗衣機用了五年，洗到一半顯示E21錯誤，桶裡的水排不掉。",
        ),
    ),
    "moving-delivery": Job(
        (
            "Moving a two-bedroom flat across town",
            "About 25 boxes, a double bed, a sofa, a wardrobe that comes apart "
            "and a washing machine. Both buildings have lifts.",
        ),
        (
            "两室户同城搬家",
            "大约25个纸箱，一张双人床、一张沙发、一个可拆的衣柜和一台洗衣机。两边都有电梯。",
        ),
        (
            "兩房同城搬家",
            "大約25個紙箱，一張雙人床、一張沙發、一個可拆的衣櫃和一台洗衣機。兩邊都有電梯。",
        ),
    ),
    "home-moving": Job(
        (
            "Home move with a van",
            "Moving from a sixth-floor flat to a new one 8 km away. We have packed "
            "everything; the bed and the wardrobe need taking apart.",
        ),
        (
            "搬家，需要一辆车",
            "从六楼搬到8公里外的新家。东西都已打包好，床和衣柜需要拆装。",
        ),
        (
            "搬家，需要一台車",
            "從六樓搬到8公里外的新家。東西都已打包好，床和衣櫃需要拆裝。",
        ),
    ),
    "junk-removal": Job(
        (
            "Old sofa and mattress to take away",
            "A three-seat sofa and a double mattress, on the fourth floor with a "
            "lift. They need to be disposed of properly.",
        ),
        (
            "清运旧沙发和床垫",
            "一张三人沙发和一张双人床垫，在四楼，有电梯。需要按规定处理。",
        ),
        (
            "清運舊沙發和床墊",
            "一張三人沙發和一張雙人床墊，在四樓，有電梯。需要依規定處理。",
        ),
    ),
    "tutoring": Job(
        (
            "Maths tutor for a Year 9 student",
            "Our son finds algebra hard and has exams in two months. Lessons at "
            "home, after school.",
        ),
        (
            "初三数学家教",
            "孩子代数比较吃力，两个月后考试。希望放学后上门上课。",
        ),
        (
            "國三數學家教",
            "孩子代數比較吃力，兩個月後考試。希望放學後到府上課。",
        ),
    ),
    "photography": Job(
        (
            "Photographer for a small family celebration",
            "Grandmother's 80th birthday lunch, about 30 guests, in a restaurant. "
            "Candid photos and a few group portraits.",
        ),
        (
            "家庭聚会摄影",
            "奶奶八十大寿午宴，约30位客人，在餐厅。想要抓拍加几张合影。",
        ),
        (
            "家庭聚會攝影",
            "奶奶八十大壽午宴，約30位客人，在餐廳。想要側拍加幾張大合照。",
        ),
    ),
    "event-photography": Job(
        (
            "Photographer for a small wedding",
            "A registry-office wedding and dinner for 40 guests. From the "
            "getting-ready to the first dance.",
        ),
        (
            "小型婚礼跟拍",
            "登记加晚宴，约40位客人。从化妆到第一支舞全程跟拍。",
        ),
        (
            "小型婚禮跟拍",
            "登記加晚宴，約40位賓客。從新娘準備到第一支舞全程跟拍。",
        ),
    ),
    "product-photography": Job(
        (
            "Photos of our handmade ceramics",
            "Twenty pieces for our online shop: white background shots and a few "
            "styled ones on a table.",
        ),
        (
            "手工陶瓷产品拍摄",
            "网店要用的20件作品：白底图，再加几张桌面场景图。",
        ),
        (
            "手作陶瓷商品攝影",
            "網店要用的20件作品：白底圖，再加幾張桌面情境照。",
        ),
    ),
    "elderly-child-care": Job(
        (
            "Help with our newborn for a month",
            "Our baby is due next month. We are looking for an experienced "
            "maternity nurse for the first weeks, living in.",
        ),
        (
            "找月嫂照顾新生儿",
            "宝宝下个月出生，想找一位有经验的住家月嫂照顾头几周。",
        ),
        (
            "找月嫂照顧新生兒",
            "寶寶下個月出生，想找一位有經驗的住家月嫂照顧前幾週。",
        ),
    ),
}


# What a quote includes and says, by root category: (included, message).
QUOTE_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "home-cleaning": {
        "en": (
            "Two cleaners, all rooms, kitchen degreasing, bathroom descaling, "
            "inside windows; our own equipment.",
            "We can do it in one visit. Photos of similar jobs are on my profile.",
        ),
        "zh-hans": (
            "两名保洁员，全屋清洁，厨房去油，卫生间除垢，室内玻璃；工具自带。",
            "一次上门就能做完，类似的案例照片可以看我的主页。",
        ),
        "zh-hant": (
            "兩位清潔人員，全室清潔，廚房去油，浴室除垢，室內玻璃；工具自備。",
            "一次到府就能完成，類似案例的照片可以看我的頁面。",
        ),
    },
    "repairs": {
        "en": (
            "Diagnosis, labour and small parts; bigger parts priced before fitting. "
            "90-day warranty on the work.",
            "I can bring the usual spare parts, so most repairs are done the same day.",
        ),
        "zh-hans": (
            "检测、人工和小配件；大配件更换前先报价。维修保修90天。",
            "常用配件我会随车带上，大部分当天就能修好。",
        ),
        "zh-hant": (
            "檢測、工資和小零件；大零件更換前先報價。維修保固90天。",
            "常用零件我會帶在車上，大部分當天就能修好。",
        ),
    },
    "moving-delivery": {
        "en": (
            "A van, two movers, blankets and straps; taking apart and putting "
            "back the bed and wardrobe.",
            "Price includes the stairs and up to 10 km. Boxes available if needed.",
        ),
        "zh-hans": (
            "一辆厢式货车、两名搬运工、保护毯和绑带；床和衣柜拆装。",
            "价格含楼层费和10公里以内运费，需要纸箱也可以提供。",
        ),
        "zh-hant": (
            "一台廂型車、兩位搬運師傅、保護毯和綁帶；床和衣櫃拆裝。",
            "價格含樓層費和10公里內運費，需要紙箱也可以提供。",
        ),
    },
    "tutoring": {
        "en": (
            "A first lesson to assess the level, then a plan with exercises "
            "between lessons.",
            "I have taught maths for eight years; most of my students are preparing "
            "for exams.",
        ),
        "zh-hans": (
            "第一节课先做水平评估，之后制定计划并布置课后练习。",
            "我教数学八年了，学生大多在备考。",
        ),
        "zh-hant": (
            "第一堂課先做程度評估，之後擬定計畫並安排課後練習。",
            "我教數學八年了，學生大多在準備考試。",
        ),
    },
    "photography": {
        "en": (
            "The whole event, 60 edited photos within a week, all originals in an "
            "online gallery.",
            "Happy to meet for a coffee beforehand to plan the shots.",
        ),
        "zh-hans": (
            "全程拍摄，一周内交付60张精修，全部原片放在网络相册。",
            "拍摄前可以约个时间聊聊想要的画面。",
        ),
        "zh-hant": (
            "全程拍攝，一週內交付60張精修，所有原檔放在線上相簿。",
            "拍攝前可以約個時間聊聊想要的畫面。",
        ),
    },
    "elderly-child-care": {
        "en": (
            "Live-in care of mother and baby, feeding and sleep routine, meals for "
            "the mother.",
            "I hold a maternity-care certificate and have looked after 30 families.",
        ),
        "zh-hans": (
            "住家照顾产妇和宝宝，喂养和作息安排，产妇月子餐。",
            "我有母婴护理证书，已经服务过30个家庭。",
        ),
        "zh-hant": (
            "住家照顧產婦和寶寶，餵養和作息安排，產婦月子餐。",
            "我有母嬰照護證照，已經服務過30個家庭。",
        ),
    },
}

COUNTER_MESSAGES = {
    "en": "Another quote came in a little lower: could you do it for this?",
    "zh-hans": "另一家报价低一些，这个价格可以吗？",
    "zh-hant": "另一家報價低一些，這個價格可以嗎？",
}
REVISION_MESSAGES = {
    "en": "I cannot go quite that low, but I can meet you halfway.",
    "zh-hans": "这个价格有点低，我们各让一步吧。",
    "zh-hant": "這個價格有點低，我們各退一步吧。",
}
DECLINE_REASONS = {
    "en": "Fully booked on those days, sorry.",
    "zh-hans": "那几天已经约满了，抱歉。",
    "zh-hant": "那幾天已經排滿了，抱歉。",
}
HIRE_NOTES = {
    "en": "The building's gate code will be sent in the chat.",
    "zh-hans": "小区门禁密码会在聊天里发给您。",
    "zh-hant": "社區大門密碼會在聊天裡傳給您。",
}
REVIEWS = {
    "en": "Exactly what was quoted, no surprises, and done carefully.",
    "zh-hans": "和报价一致，没有额外收费，做得很仔细。",
    "zh-hant": "和報價一致，沒有額外收費，做得很仔細。",
}
PROVIDER_REVIEWS = {
    "en": "Clear about the job from the start and easy to work with.",
    "zh-hans": "需求说得很清楚，沟通顺畅。",
    "zh-hant": "需求說得很清楚，溝通順暢。",
}
