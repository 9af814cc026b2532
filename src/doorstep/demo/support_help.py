# ruff: noqa: E501 - prose, one paragraph a line, as Markdown reads it
"""The demo's help centre (support): the articles customers and providers read
first, in English, Simplified and Traditional Chinese, written and published by
the ops login through the support services; and, when the demo has a past, the
follow-up surveys of its completed orders — answered, waiting, and low scores
that opened a ticket."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.accounts.models import User
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.support import help as help_centre
from doorstep.support.models import HelpArticle, SurveyInvitation
from doorstep.support.surveys import answer_survey, invite_to_survey


@dataclass(frozen=True)
class Article:
    slug: str
    section: str
    audience: str
    title_en: str
    body_en: str
    title_zh_hans: str
    body_zh_hans: str
    title_zh_hant: str
    body_zh_hant: str

    @property
    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in help_centre.TEXT_FIELDS}


ARTICLES: tuple[Article, ...] = (
    Article(
        slug="how-doorstep-works",
        section=HelpArticle.Section.GETTING_STARTED,
        audience=HelpArticle.Audience.ALL,
        title_en="How Doorstep works",
        body_en="""Doorstep connects you with trusted local professionals — cleaners, repairers, tutors, carers and more — and looks after the booking and the payment from start to finish.

There are three ways to get help:

- **Book a provider**: choose a listing, pick a free time and book. Some providers confirm instantly; others answer your request within a few hours.
- **Book a fixed-price service**: choose a service from our catalogue and a time; we send the best qualified professional who is free nearby.
- **Ask for quotes**: describe the job and compare the quotes providers send you.

Whichever way you book, your payment is held safely until the job is done, and you can message your provider from the order's page.""",
        title_zh_hans="Doorstep 如何运作",
        body_zh_hans="""Doorstep 为您连接值得信赖的本地专业人士——保洁、维修、家教、护理等等——并从头到尾为您处理预约和付款。

获取帮助有三种方式：

- **预约服务者**：选择一项服务，挑选空闲时间即可预约。部分服务者即时确认，其他服务者会在几小时内答复您的请求。
- **预约固定价格服务**：从我们的服务目录中选择服务和时间，我们会派出附近有空、资质最合适的专业人士。
- **征集报价**：描述您的需求，比较服务者发来的报价。

无论以哪种方式预约，您的付款都会被安全保管，直到服务完成；您也可以在订单页面随时给服务者发消息。""",
        title_zh_hant="Doorstep 如何運作",
        body_zh_hant="""Doorstep 為您連結值得信賴的本地專業人士——保潔、維修、家教、護理等等——並從頭到尾為您處理預約和付款。

獲取幫助有三種方式：

- **預約服務者**：選擇一項服務，挑選空閒時間即可預約。部分服務者即時確認，其他服務者會在幾小時內答覆您的請求。
- **預約固定價格服務**：從我們的服務目錄中選擇服務和時間，我們會派出附近有空、資質最合適的專業人士。
- **徵集報價**：描述您的需求，比較服務者發來的報價。

無論以哪種方式預約，您的付款都會被安全保管，直到服務完成；您也可以在訂單頁面隨時給服務者發訊息。""",
    ),
    Article(
        slug="booking-a-service",
        section=HelpArticle.Section.BOOKING,
        audience=HelpArticle.Audience.CUSTOMERS,
        title_en="Booking a service, step by step",
        body_en="""1. **Search** for what you need and where. Filter by price, rating, date or verified providers only.
2. **Open a listing** to see what is included, the price, the provider's reviews and their badges.
3. **Pick a time** from the free slots shown. The time is held for you for a few minutes while you finish.
4. **Pay**. Your card is authorised now, but the money is only released to the provider after the job is done.
5. **Follow your order** on its page: when it is confirmed, when your provider is on the way, and the start code to give them at the door.

You will find all your bookings under **My orders**.""",
        title_zh_hans="预约服务的步骤",
        body_zh_hans="""1. **搜索**您需要的服务和地点。可按价格、评分、日期筛选，或只看已认证的服务者。
2. **打开服务详情**，查看服务内容、价格、服务者的评价和徽章。
3. **选择时间**：从显示的空闲时段中挑选。在您完成预约期间，该时段会为您保留几分钟。
4. **付款**：您的银行卡此时只做预授权，服务完成后款项才会转给服务者。
5. **在订单页面跟进**：何时确认、服务者何时出发，以及上门时需要告诉服务者的开工码。

所有预约都可以在 **我的订单** 中找到。""",
        title_zh_hant="預約服務的步驟",
        body_zh_hant="""1. **搜尋**您需要的服務和地點。可按價格、評分、日期篩選，或只看已認證的服務者。
2. **開啟服務詳情**，檢視服務內容、價格、服務者的評價和徽章。
3. **選擇時間**：從顯示的空閒時段中挑選。在您完成預約期間，該時段會為您保留幾分鐘。
4. **付款**：您的銀行卡此時只做預授權，服務完成後款項才會轉給服務者。
5. **在訂單頁面跟進**：何時確認、服務者何時出發，以及上門時需要告訴服務者的開工碼。

所有預約都可以在 **我的訂單** 中找到。""",
    ),
    Article(
        slug="change-or-cancel",
        section=HelpArticle.Section.BOOKING,
        audience=HelpArticle.Audience.CUSTOMERS,
        title_en="Changing the time or cancelling a booking",
        body_en="""**To change the time**, open the order and choose *Reschedule*. Your provider is asked to accept the new time; until they do, the original booking stands.

**To cancel**, open the order and choose *Cancel*:

- Cancelling **24 hours or more** before the start is free: you are refunded in full.
- Cancelling later costs a cancellation fee (20% of the price by default), because your provider kept that time for you. The page shows the exact amount before you confirm.
- If the provider cancels, or does not answer your request in time, you are always refunded in full.""",
        title_zh_hans="更改时间或取消预约",
        body_zh_hans="""**更改时间**：打开订单，选择“改期”。系统会请服务者确认新的时间；在对方确认之前，原预约依然有效。

**取消预约**：打开订单，选择“取消”：

- 在开始时间 **24 小时或更早** 之前取消，免费，全额退款。
- 更晚取消需支付取消费（默认为价格的 20%），因为服务者为您预留了这段时间。确认前页面会显示准确金额。
- 如果是服务者取消，或服务者未能及时答复您的请求，您都会获得全额退款。""",
        title_zh_hant="更改時間或取消預約",
        body_zh_hant="""**更改時間**：開啟訂單，選擇「改期」。系統會請服務者確認新的時間；在對方確認之前，原預約依然有效。

**取消預約**：開啟訂單，選擇「取消」：

- 在開始時間 **24 小時或更早** 之前取消，免費，全額退款。
- 更晚取消需支付取消費（預設為價格的 20%），因為服務者為您預留了這段時間。確認前頁面會顯示準確金額。
- 如果是服務者取消，或服務者未能及時答覆您的請求，您都會獲得全額退款。""",
    ),
    Article(
        slug="how-payment-works",
        section=HelpArticle.Section.PAYMENTS,
        audience=HelpArticle.Audience.CUSTOMERS,
        title_en="How payment works",
        body_en="""When you book, your card is **authorised** for the total shown: the service price plus our service fee. The money is held safely — your provider does not receive it yet.

After the job, you confirm that it is done (or it is confirmed automatically 48 hours after the provider marks it done, if you raise no problem). Only then is the payment released to the provider.

Your receipt is on the order's page. We never see or store your full card number: it goes straight to our payment provider.""",
        title_zh_hans="付款如何进行",
        body_zh_hans="""预约时，您的银行卡会按显示的总额进行 **预授权**：即服务价格加平台服务费。这笔款项会被安全保管，服务者此时还收不到。

服务结束后，由您确认已完成（如果服务者标记完成后 48 小时内您没有提出问题，系统会自动确认）。只有这时，款项才会转给服务者。

收据可在订单页面查看。我们从不查看或保存您的完整卡号：卡号直接交给我们的支付服务商处理。""",
        title_zh_hant="付款如何進行",
        body_zh_hant="""預約時，您的銀行卡會按顯示的總額進行 **預授權**：即服務價格加平台服務費。這筆款項會被安全保管，服務者此時還收不到。

服務結束後，由您確認已完成（如果服務者標記完成後 48 小時內您沒有提出問題，系統會自動確認）。只有這時，款項才會轉給服務者。

收據可在訂單頁面檢視。我們從不檢視或儲存您的完整卡號：卡號直接交給我們的支付服務商處理。""",
    ),
    Article(
        slug="refunds",
        section=HelpArticle.Section.PAYMENTS,
        audience=HelpArticle.Audience.CUSTOMERS,
        title_en="Refunds: when and how long",
        body_en="""You are refunded **in full** when:

- your provider declines or does not answer your request in time;
- your provider cancels, or does not show up;
- you cancel 24 hours or more before the start.

A partial refund can also be agreed when something went wrong — see *Something went wrong with my job*.

Refunds go back to the card you paid with. Most banks show them within 5–10 working days; an authorisation that was never charged simply disappears from your statement.""",
        title_zh_hans="退款：何时退、多久到账",
        body_zh_hans="""以下情况您将获得 **全额退款**：

- 服务者拒绝或未能及时答复您的请求；
- 服务者取消或未按时到场；
- 您在开始时间 24 小时或更早之前取消。

如果服务出现问题，也可以协商部分退款——请参阅“我的服务出了问题”。

退款将退回您付款所用的银行卡。大多数银行会在 5–10 个工作日内显示退款；仅做过预授权而未实际扣款的金额，会直接从账单中消失。""",
        title_zh_hant="退款：何時退、多久到帳",
        body_zh_hant="""以下情況您將獲得 **全額退款**：

- 服務者拒絕或未能及時答覆您的請求；
- 服務者取消或未按時到場；
- 您在開始時間 24 小時或更早之前取消。

如果服務出現問題，也可以協商部分退款——請參閱「我的服務出了問題」。

退款將退回您付款所用的銀行卡。大多數銀行會在 5–10 個工作日內顯示退款；僅做過預授權而未實際扣款的金額，會直接從賬單中消失。""",
    ),
    Article(
        slug="payment-failed",
        section=HelpArticle.Section.PAYMENTS,
        audience=HelpArticle.Audience.CUSTOMERS,
        title_en="My payment did not go through",
        body_en="""If your payment fails, **nothing is booked and you are not charged**. The order waits for payment for a short time, so you can try again from its page.

Common reasons:

- the card was declined by your bank — try another card, or call your bank;
- your bank asked for an extra check (such as a code by SMS) that was not completed;
- the time slot was released because payment took too long — pick a time again.

If money was taken but your order still says it is waiting for payment, contact us with the order number: we will sort it out.""",
        title_zh_hans="付款没有成功",
        body_zh_hans="""如果付款失败，**预约不会生效，您也不会被扣款**。订单会在短时间内保持待付款状态，您可以在订单页面重新付款。

常见原因：

- 银行拒绝了这张卡——请换一张卡，或联系您的银行；
- 银行要求额外验证（例如短信验证码），但验证没有完成；
- 付款时间过长，预留的时段已被释放——请重新选择时间。

如果已经扣款，但订单仍显示待付款，请带上订单号联系我们，我们会为您处理。""",
        title_zh_hant="付款沒有成功",
        body_zh_hant="""如果付款失敗，**預約不會生效，您也不會被扣款**。訂單會在短時間內保持待付款狀態，您可以在訂單頁面重新付款。

常見原因：

- 銀行拒絕了這張卡——請換一張卡，或聯絡您的銀行；
- 銀行要求額外驗證（例如簡訊驗證碼），但驗證沒有完成；
- 付款時間過長，預留的時段已被釋放——請重新選擇時間。

如果已經扣款，但訂單仍顯示待付款，請帶上訂單號聯絡我們，我們會為您處理。""",
    ),
    Article(
        slug="on-the-day",
        section=HelpArticle.Section.DURING_THE_JOB,
        audience=HelpArticle.Audience.CUSTOMERS,
        title_en="On the day: the start code and what to expect",
        body_en="""We remind you the day before. On the day, the order's page shows when your provider is **on the way**.

When they arrive, give them the **four-digit start code** shown on your order page. The code proves they are at your door, and starts the job.

When the job is done, the provider marks it done and you are asked to **confirm**. Check the work first: if something is not right, choose *Report a problem* instead of confirming.""",
        title_zh_hans="服务当天：开工码与注意事项",
        body_zh_hans="""我们会在前一天提醒您。服务当天，订单页面会显示服务者何时 **已出发**。

服务者到达后，请告诉对方订单页面上显示的 **四位数开工码**。开工码证明服务者已到达您家门口，并开始计时服务。

服务完成后，服务者会标记完成，系统会请您 **确认**。请先检查服务成果：如有不妥，请选择“报告问题”，而不是直接确认。""",
        title_zh_hant="服務當天：開工碼與注意事項",
        body_zh_hant="""我們會在前一天提醒您。服務當天，訂單頁面會顯示服務者何時 **已出發**。

服務者到達後，請告訴對方訂單頁面上顯示的 **四位數開工碼**。開工碼證明服務者已到達您家門口，並開始計時服務。

服務完成後，服務者會標記完成，系統會請您 **確認**。請先檢查服務成果：如有不妥，請選擇「報告問題」，而不是直接確認。""",
    ),
    Article(
        slug="something-went-wrong",
        section=HelpArticle.Section.PROBLEMS,
        audience=HelpArticle.Audience.CUSTOMERS,
        title_en="Something went wrong with my job",
        body_en="""We are sorry. Here is the quickest way to put it right:

1. **Tell your provider** in the order's messages. Most problems — a missed corner, a part to replace — are fixed fastest by the person who did the job.
2. **Report a problem** on the order page if the job is marked done but is not. The payment stays held while it is looked at.
3. **Contact support** if you cannot agree. Our team looks at the order's messages, photos and history, and can arrange a redo or a full or partial refund.

Some categories come with a **warranty**: if the same problem comes back within the warranty period, the provider fixes it again.""",
        title_zh_hans="我的服务出了问题",
        body_zh_hans="""非常抱歉。以下是最快的解决办法：

1. **告诉您的服务者**：在订单消息中说明。大多数问题——漏掉的角落、需要更换的零件——由原服务者处理最快。
2. **报告问题**：如果服务被标记为完成但实际并未完成，请在订单页面报告问题。处理期间，款项会继续保管。
3. **联系客服**：如果双方无法达成一致，我们的团队会查看订单的消息、照片和记录，并可安排重做，或全额、部分退款。

部分服务类别提供 **保修**：如果同一问题在保修期内再次出现，服务者会免费再次修好。""",
        title_zh_hant="我的服務出了問題",
        body_zh_hant="""非常抱歉。以下是最快的解決辦法：

1. **告訴您的服務者**：在訂單訊息中說明。大多數問題——漏掉的角落、需要更換的零件——由原服務者處理最快。
2. **報告問題**：如果服務被標記為完成但實際並未完成，請在訂單頁面報告問題。處理期間，款項會繼續保管。
3. **聯絡客服**：如果雙方無法達成一致，我們的團隊會檢視訂單的訊息、照片和記錄，並可安排重做，或全額、部分退款。

部分服務類別提供 **保修**：如果同一問題在保修期內再次出現，服務者會免費再次修好。""",
    ),
    Article(
        slug="provider-did-not-show",
        section=HelpArticle.Section.PROBLEMS,
        audience=HelpArticle.Audience.CUSTOMERS,
        title_en="My provider did not show up",
        body_en="""If your provider has not arrived **15 minutes** after the start time and has not messaged you, you can report a no-show from the order's page.

You are refunded **in full**, and the no-show counts against the provider's standing. You can then book someone else straight away — we suggest other providers free at a similar time.

If the provider is only running late, they usually say so in the messages: check there first.""",
        title_zh_hans="服务者没有到场",
        body_zh_hans="""如果服务者在开始时间 **15 分钟** 后仍未到达，也没有给您发消息，您可以在订单页面报告未到场。

您将获得 **全额退款**，该次未到场会计入服务者的信誉记录。之后您可以立即预约其他人——我们会推荐在相近时间有空的服务者。

如果服务者只是迟到，通常会在消息中告知：请先查看消息。""",
        title_zh_hant="服務者沒有到場",
        body_zh_hant="""如果服務者在開始時間 **15 分鐘** 後仍未到達，也沒有給您發訊息，您可以在訂單頁面報告未到場。

您將獲得 **全額退款**，該次未到場會計入服務者的信譽記錄。之後您可以立即預約其他人——我們會推薦在相近時間有空的服務者。

如果服務者只是遲到，通常會在訊息中告知：請先檢視訊息。""",
    ),
    Article(
        slug="reviews",
        section=HelpArticle.Section.ACCOUNT,
        audience=HelpArticle.Audience.ALL,
        title_en="How reviews work",
        body_en="""After a completed job, the customer and the provider can each review the other **once**: stars, a few words and photos.

Reviews are **double-blind**: neither of you sees the other's review until both have written one, or the review window closes. That way nobody writes in reply to the other.

Providers can answer a review publicly. Reviews that break our rules — insults, personal details, reviews of something else — can be reported and are checked by our team.""",
        title_zh_hans="评价如何运作",
        body_zh_hans="""服务完成后，顾客和服务者可以互相评价 **一次**：星级、几句评语和照片。

评价采用 **双盲** 方式：在双方都写完评价或评价期结束之前，任何一方都看不到对方的评价。这样就没有人会“针对性”地回评。

服务者可以公开回复评价。违反规则的评价——侮辱、泄露个人信息、与服务无关的内容——可以举报，由我们的团队审核。""",
        title_zh_hant="評價如何運作",
        body_zh_hant="""服務完成後，顧客和服務者可以互相評價 **一次**：星級、幾句評語和照片。

評價採用 **雙盲** 方式：在雙方都寫完評價或評價期結束之前，任何一方都看不到對方的評價。這樣就沒有人會「針對性」地回評。

服務者可以公開回覆評價。違反規則的評價——侮辱、洩露個人資訊、與服務無關的內容——可以舉報，由我們的團隊審核。""",
    ),
    Article(
        slug="safety-and-privacy",
        section=HelpArticle.Section.ACCOUNT,
        audience=HelpArticle.Audience.ALL,
        title_en="Staying safe: messages, contact details and payments",
        body_en="""Keep the conversation and the payment **on Doorstep**. That is what lets us help you if something goes wrong.

- Phone numbers, e-mail addresses and links in messages are hidden until a booking is confirmed.
- Never pay a provider in cash or by transfer outside the app, and never share your password or card number — we will never ask for them.
- Providers show their **verification badges** (identity, certificates, background check) on their profile.

If someone asks you to pay outside Doorstep or makes you feel unsafe, report the message or contact us.""",
        title_zh_hans="安全须知：消息、联系方式与付款",
        body_zh_hans="""请把沟通和付款都留在 **Doorstep 平台上**。这样一旦出现问题，我们才能帮到您。

- 在预约确认之前，消息中的电话号码、电子邮箱和链接会被隐藏。
- 切勿用现金或在应用外转账付款给服务者，也不要透露您的密码或卡号——我们绝不会向您索要。
- 服务者的资料页会显示 **认证徽章**（身份、证书、背景调查）。

如果有人要求您在 Doorstep 以外付款，或让您感到不安全，请举报该消息或联系我们。""",
        title_zh_hant="安全須知：訊息、聯絡方式與付款",
        body_zh_hant="""請把溝通和付款都留在 **Doorstep 平台上**。這樣一旦出現問題，我們才能幫到您。

- 在預約確認之前，訊息中的電話號碼、電子郵箱和連結會被隱藏。
- 切勿用現金或在應用外轉賬付款給服務者，也不要透露您的密碼或卡號——我們絕不會向您索要。
- 服務者的資料頁會顯示 **認證徽章**（身份、證書、背景調查）。

如果有人要求您在 Doorstep 以外付款，或讓您感到不安全，請舉報該訊息或聯絡我們。""",
    ),
    Article(
        slug="become-a-provider",
        section=HelpArticle.Section.PROVIDING,
        audience=HelpArticle.Audience.PROVIDERS,
        title_en="Becoming a provider",
        body_en="""1. **Create your provider profile**: your name as customers will see it, a short bio, the languages you speak and where you work.
2. **Upload your documents**: an identity document, and the certificates your categories need (for example a health certificate for cleaning or care). Our team checks them, usually within two working days.
3. **Publish your services**: a title, what is included, a fixed or hourly price, the area you cover and photos.
4. **Set your hours**: your weekly availability, holidays and the notice you need. Customers can only book free times.

Once approved, your listings appear in search. Verified documents earn you badges that customers look for.""",
        title_zh_hans="成为服务者",
        body_zh_hans="""1. **创建服务者资料**：填写顾客看到的名称、简短介绍、您会说的语言和服务区域。
2. **上传证件**：身份证件，以及您的服务类别所要求的证书（例如保洁或护理需要健康证）。我们的团队会审核，通常在两个工作日内完成。
3. **发布服务**：标题、服务内容、固定价格或按小时计价、服务范围和照片。
4. **设置工作时间**：每周可接单时间、休假以及所需的提前预约时间。顾客只能预约您空闲的时段。

审核通过后，您的服务就会出现在搜索结果中。通过认证的证件还会为您带来顾客看重的徽章。""",
        title_zh_hant="成為服務者",
        body_zh_hant="""1. **建立服務者資料**：填寫顧客看到的名稱、簡短介紹、您會說的語言和服務區域。
2. **上傳證件**：身份證件，以及您的服務類別所要求的證書（例如保潔或護理需要健康證）。我們的團隊會審核，通常在兩個工作日內完成。
3. **發布服務**：標題、服務內容、固定價格或按小時計價、服務範圍和照片。
4. **設定工作時間**：每週可接單時間、休假以及所需的提前預約時間。顧客只能預約您空閒的時段。

審核通過後，您的服務就會出現在搜尋結果中。通過認證的證件還會為您帶來顧客看重的徽章。""",
    ),
    Article(
        slug="requests-and-orders",
        section=HelpArticle.Section.PROVIDING,
        audience=HelpArticle.Audience.PROVIDERS,
        title_en="Answering requests and doing the job",
        body_en="""New bookings and requests arrive in your **order inbox**, and by notification.

- **Answer requests in time**: a request you do not accept or decline before its deadline expires, and the customer books someone else.
- On the day, tap **On my way** when you leave, so the customer knows you are coming.
- At the door, ask for the customer's **start code** and enter it to start the job.
- When you finish, mark the job **done**. The customer confirms it, or it is confirmed automatically after 48 hours.

Need to change the time? Propose a new one from the order; the customer accepts or keeps the original.""",
        title_zh_hans="答复请求与完成服务",
        body_zh_hans="""新的预约和请求会出现在您的 **订单收件箱** 中，同时会有通知提醒。

- **及时答复请求**：在截止时间前没有接受或拒绝的请求会过期，顾客会改约他人。
- 服务当天出发时，请点击 **我已出发**，让顾客知道您在路上。
- 到达后，请向顾客索取 **开工码** 并输入，开始服务。
- 完成后，请将服务标记为 **已完成**。顾客确认后即完成；如顾客未操作，48 小时后系统自动确认。

需要改时间？在订单中提出新的时间，由顾客接受或保留原时间。""",
        title_zh_hant="答覆請求與完成服務",
        body_zh_hant="""新的預約和請求會出現在您的 **訂單收件箱** 中，同時會有通知提醒。

- **及時答覆請求**：在截止時間前沒有接受或拒絕的請求會過期，顧客會改約他人。
- 服務當天出發時，請點擊 **我已出發**，讓顧客知道您在路上。
- 到達後，請向顧客索取 **開工碼** 並輸入，開始服務。
- 完成後，請將服務標記為 **已完成**。顧客確認後即完成；如顧客未操作，48 小時後系統自動確認。

需要改時間？在訂單中提出新的時間，由顧客接受或保留原時間。""",
    ),
    Article(
        slug="earnings-and-payouts",
        section=HelpArticle.Section.EARNINGS,
        audience=HelpArticle.Audience.PROVIDERS,
        title_en="Earnings and payouts",
        body_en="""For each completed job you earn the price of the service **minus the platform's commission** for its category. Your wallet shows every amount:

- **Pending**: jobs just completed. Earnings clear after a short holding period, which leaves time for any problem to be raised.
- **Available**: cleared and ready to be paid out.
- **Paid out**: sent to your bank account.

Request a payout from your wallet, or let the regular payout run take it. Fines for no-shows or late cancellations are taken from your balance, and every movement is listed in your statement.""",
        title_zh_hans="收入与提现",
        body_zh_hans="""每完成一单，您获得的收入为服务价格 **减去该类别的平台佣金**。您的钱包会显示每一笔金额：

- **待结算**：刚完成的服务。收入会在短暂的保留期后结算，以便处理可能提出的问题。
- **可提现**：已结算，可以提现。
- **已打款**：已汇入您的银行账户。

您可以在钱包中申请提现，也可以等待定期自动打款。未到场或临时取消产生的罚款会从余额中扣除，每一笔变动都会列在您的对账单中。""",
        title_zh_hant="收入與提現",
        body_zh_hant="""每完成一單，您獲得的收入為服務價格 **減去該類別的平台佣金**。您的錢包會顯示每一筆金額：

- **待結算**：剛完成的服務。收入會在短暫的保留期後結算，以便處理可能提出的問題。
- **可提現**：已結算，可以提現。
- **已打款**：已匯入您的銀行帳戶。

您可以在錢包中申請提現，也可以等待定期自動打款。未到場或臨時取消產生的罰款會從餘額中扣除，每一筆變動都會列在您的對賬單中。""",
    ),
    Article(
        slug="standards-and-strikes",
        section=HelpArticle.Section.PROVIDING,
        audience=HelpArticle.Audience.PROVIDERS,
        title_en="Standards, strikes and appeals",
        body_en="""Customers count on you being there. A **no-show**, a **late cancellation** or an **upheld complaint** gives a strike, and may carry a fine.

- A strike counts for a limited time, then expires.
- Several strikes at once limit your account: first no new bookings, then a suspension.
- You can **appeal** each strike once, from your *Standards* page. Tell us what happened; our team answers every appeal.

If your account is restricted or suspended and you do not know why, contact support: we will explain what happened and what you can do.""",
        title_zh_hans="服务标准、违规记录与申诉",
        body_zh_hans="""顾客依赖您准时到场。**未到场**、**临时取消** 或 **被确认的投诉** 都会产生一次违规记录，并可能被罚款。

- 违规记录在一定时间内有效，之后自动失效。
- 同一时期违规记录过多会限制您的账户：先是不能接新单，然后是暂停账户。
- 每条违规记录都可以在“服务标准”页面 **申诉** 一次。请告诉我们发生了什么，我们的团队会答复每一次申诉。

如果您的账户被限制或暂停而您不清楚原因，请联系客服：我们会说明情况以及您可以怎么做。""",
        title_zh_hant="服務標準、違規記錄與申訴",
        body_zh_hant="""顧客依賴您準時到場。**未到場**、**臨時取消** 或 **被確認的投訴** 都會產生一次違規記錄，並可能被罰款。

- 違規記錄在一定時間內有效，之後自動失效。
- 同一時期違規記錄過多會限制您的帳戶：先是不能接新單，然後是暫停帳戶。
- 每條違規記錄都可以在「服務標準」頁面 **申訴** 一次。請告訴我們發生了什麼，我們的團隊會答覆每一次申訴。

如果您的帳戶被限制或暫停而您不清楚原因，請聯絡客服：我們會說明情況以及您可以怎麼做。""",
    ),
)

# What customers answered, in turn: (satisfaction, recommend, comment); None:
# they have not answered yet. Low scores (satisfaction 2, recommend 4) open a
# ticket, as they would in production.
ANSWERS: tuple[tuple[int, int, str] | None, ...] = (
    (5, 10, "准时到达，做得非常仔细。"),
    (4, 9, ""),
    None,
    (2, 4, "Arrived 40 minutes late and left the kitchen floor wet."),
    (5, 9, "Friendly and quick. Will book again."),
    (4, 8, "服務很好，就是稍微晚了一點。"),
    None,
    (1, 3, "清洁不彻底，窗台和浴室都没有擦。"),
)


def seed_help(*, logins: dict[str, User], now: datetime) -> dict[str, int]:
    report = {"help_articles": _seed_articles(ops=logins["ops"], now=now)}
    report.update(_seed_surveys(now=now))
    return report


def _seed_articles(*, ops: User, now: datetime) -> int:
    """Each article written a few weeks ago and published; one already there
    (a rebuild over kept articles) is left as it is."""
    existing = set(HelpArticle.objects.values_list("slug", flat=True))
    positions: dict[str, int] = {}
    made = 0
    for index, article in enumerate(ARTICLES):
        position = positions.get(article.section, 0)
        positions[article.section] = position + 1
        if article.slug in existing:
            continue
        help_centre.create_article(
            actor=ops,
            slug=article.slug,
            section=article.section,
            audience=article.audience,
            position=position,
            texts=article.texts,
            publish=True,
            now=now - timedelta(days=30, hours=index),
        )
        made += 1
    return made


def _seed_surveys(*, now: datetime) -> dict[str, int]:
    """The follow-up survey of every completed order of the demo's past, sent a
    day after completion, answered a few hours later in the pattern of
    ``ANSWERS``."""
    due = now - timedelta(hours=24)
    orders = Order.objects.filter(
        state=OrderState.COMPLETED,
        state_changed_at__lte=due,
        survey_invitation__isnull=True,
    ).order_by("state_changed_at", "pk")
    invited = answered = tickets = 0
    for index, order in enumerate(orders):
        invited_at = order.state_changed_at + timedelta(hours=24)
        invitation = invite_to_survey(order=order, now=invited_at)
        if invitation is None:
            continue
        invited += 1
        answer = ANSWERS[index % len(ANSWERS)]
        answered_at = invited_at + timedelta(hours=3, minutes=index)
        if answer is None or answered_at >= now:
            continue
        csat, nps, comment = answer
        response = answer_survey(
            user=order.customer,
            invitation_id=invitation.public_id,
            csat=csat,
            nps=nps if invitation.asks_nps else None,
            comment=comment,
            now=answered_at,
        )
        answered += 1
        tickets += response.ticket_id is not None
    if not invited:
        return {}
    return {
        "surveys": invited,
        "survey_answers": answered,
        "survey_tickets": tickets,
        "surveys_unanswered": SurveyInvitation.objects.filter(
            response__isnull=True
        ).count(),
    }
